/** Problems found in a request body, collected up to a bound so that a crafted body cannot make the answer huge. */

/** A problem with the request body; `index` is present when it concerns one notification. */
export interface RequestError {
  index?: number;
  field: string;
  problem: string;
}

/** Most errors one answer lists; beyond it the answer says `truncated: true`. */
export const MAX_REPORTED_ERRORS = 100;

/** Longest field name quoted back in an error, in characters: a caller's unknown key may be megabytes long. */
const MAX_FIELD_NAME_CHARS = 64;

/** Collects errors up to `max`; `truncated` records that at least one more was found and dropped. */
export class ErrorList {
  readonly items: RequestError[] = [];
  truncated = false;
  private readonly max: number;

  constructor(max: number = MAX_REPORTED_ERRORS) {
    this.max = max;
  }

  /** Adds an error, or marks the list truncated when it is full. */
  add(error: RequestError): void {
    if (this.items.length < this.max) this.items.push(error);
    else this.truncated = true;
  }

  /** True when nothing was found. */
  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** A caller-supplied field name, shortened for quoting back in an error. */
export function quotedField(name: string): string {
  return name.length > MAX_FIELD_NAME_CHARS ? `${name.slice(0, MAX_FIELD_NAME_CHARS)}…` : name;
}

/** The problem text for a string that holds half of a UTF-16 surrogate pair (AlipayHK would refuse the batch). */
export const LONE_SURROGATE =
  "contains a lone surrogate (a \\uD800–\\uDFFF escape without its pair); it is not valid Unicode text";
