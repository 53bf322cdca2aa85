/** Bounds concurrent work (SSH channels per connection, hosts deployed at once). */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];
  private active = 0;

  constructor(private readonly limit: number) {
    if (limit < 1) throw new RangeError('semaphore limit must be at least 1');
  }

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
