/** @module memory/deque — a ring-buffer deque, so LPUSH/RPOP queues stay O(1) where `Array#unshift` is O(n). */

/** A double-ended queue indexed from the left (index 0 is the list head, as in LRANGE). */
export class Deque<T> {
  private buffer: Array<T | undefined> = new Array<T | undefined>(8)
  private head = 0
  private size = 0

  get length(): number {
    return this.size
  }

  /** The element at `index` from the left; the caller keeps `index` in range. */
  at(index: number): T {
    // In range by contract, so the slot holds a T, not a hole.
    return this.buffer[(this.head + index) & (this.buffer.length - 1)] as T
  }

  pushLeft(value: T): void {
    this.grow()
    this.head = (this.head - 1) & (this.buffer.length - 1)
    this.buffer[this.head] = value
    this.size++
  }

  pushRight(value: T): void {
    this.grow()
    this.buffer[(this.head + this.size) & (this.buffer.length - 1)] = value
    this.size++
  }

  popLeft(): T | undefined {
    if (this.size === 0) return undefined
    const value = this.buffer[this.head]
    this.buffer[this.head] = undefined
    this.head = (this.head + 1) & (this.buffer.length - 1)
    this.size--
    return value
  }

  popRight(): T | undefined {
    if (this.size === 0) return undefined
    const slot = (this.head + this.size - 1) & (this.buffer.length - 1)
    const value = this.buffer[slot]
    this.buffer[slot] = undefined
    this.size--
    return value
  }

  /** Remove the element at `index`, closing the gap (O(n), like LREM). */
  removeAt(index: number): void {
    const values = this.slice(0, this.size)
    values.splice(index, 1)
    this.replace(values)
  }

  /** Elements `[start, end)` from the left. */
  slice(start: number, end: number): Array<T> {
    const out: Array<T> = []
    for (let i = Math.max(0, start); i < Math.min(end, this.size); i++) out.push(this.at(i))
    return out
  }

  /** Replace the contents with `values` (left to right). */
  replace(values: ReadonlyArray<T>): void {
    let capacity = 8
    while (capacity < values.length) capacity *= 2
    this.buffer = new Array<T | undefined>(capacity)
    values.forEach((value, i) => (this.buffer[i] = value))
    this.head = 0
    this.size = values.length
  }

  private grow(): void {
    if (this.size < this.buffer.length) return
    // Capacity stays a power of two so `& (length - 1)` is the modulo.
    const values = this.slice(0, this.size)
    this.buffer = new Array<T | undefined>(this.buffer.length * 2)
    values.forEach((value, i) => (this.buffer[i] = value))
    this.head = 0
  }
}
