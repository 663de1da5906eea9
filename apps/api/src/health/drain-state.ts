import { Injectable } from '@nestjs/common';

/**
 * Whether the service is shutting down. From the moment it drains, readiness answers 503 so load
 * balancers stop sending new work, while requests already routed here are still served.
 */
@Injectable()
export class DrainState {
  private drainingSince?: Date;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get since(): Date | undefined {
    return this.drainingSince;
  }

  start(): void {
    this.drainingSince ??= new Date();
  }
}
