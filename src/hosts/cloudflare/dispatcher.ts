import { DurableObject } from "cloudflare:workers";
import type {
  CancelResult,
  DegradedReason,
  DispatcherApi,
  DispatcherMetrics,
  DispatcherStatus,
  JobView,
  JobWait,
  SendReport,
  SourceEventRecord,
  SubmitRequest,
  SubmitResult,
} from "../../engine/api";
import type { DispatcherService } from "../../engine/service";
import { durableObjectService } from "./port";

/**
 * The Cloudflare host of the dispatcher, one per Alipay clientId: SQLite storage, the alarm as the
 * wake-up, `Sender` invocations as the senders (port.ts). Every decision is the engine's; the loop is the
 * service's; this class forwards the RPC methods and owns the alarm.
 */
export class Dispatcher extends DurableObject<Env> implements DispatcherApi {
  private readonly service: DispatcherService;
  /** When the alarm is set (ms epoch), null when none is; read from storage once at start. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.service = durableObjectService(ctx, env, (at) => this.schedule(at));
    // Work left behind with no alarm (an alarm lost in a restart) resumes as soon as the object wakes.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
      if (this.alarmAt === null) await this.schedule(Date.now());
    });
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    return this.service.submit(request);
  }
  async getJob(owner: string | null, jobId: string): Promise<JobView | null> {
    return this.service.getJob(owner, jobId);
  }
  async waitForJob(owner: string | null, jobId: string, timeoutMs: number, waiter: string): Promise<JobWait> {
    return this.service.waitForJob(owner, jobId, timeoutMs, waiter);
  }
  async cancelJob(owner: string | null, jobId: string): Promise<CancelResult> {
    return this.service.cancelJob(owner, jobId);
  }
  async status(owner: string | null): Promise<DispatcherStatus> {
    return this.service.status(owner);
  }
  async health(): Promise<DegradedReason[]> {
    return this.service.health();
  }
  async report(reports: SendReport[]): Promise<void> {
    return this.service.report(reports);
  }
  async pause(reason: string, by?: string): Promise<void> {
    return this.service.pause(reason, by);
  }
  async resume(): Promise<void> {
    return this.service.resume();
  }
  async recordSourceEvent(event: SourceEventRecord): Promise<void> {
    return this.service.recordSourceEvent(event);
  }
  async metrics(): Promise<DispatcherMetrics> {
    return this.service.metrics();
  }

  /** The alarm is the service's wake-up; firing, it is gone until the service schedules the next. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.service.wake();
  }

  /** The port's wake-up: the alarm only ever moves earlier (an alarm already set earlier stays). */
  private async schedule(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
