/**
 * Binary relations and sets over the events of one candidate execution, as bit matrices, with the
 * operators the cat language uses: `|` union, `&` intersection, `\` difference, `;` sequence,
 * `^-1` inverse, `+`/`*`/`?` closures and `[S]` identity on a set.
 */

/** A set of event ids as a bit vector of `words` 32-bit words. */
export type EventSet = Uint32Array;

export function wordsFor(n: number): number {
  return Math.max(1, (n + 31) >>> 5);
}

export function setOf(n: number, pred: (i: number) => boolean): EventSet {
  const s = new Uint32Array(wordsFor(n));
  for (let i = 0; i < n; i++) if (pred(i)) s[i >>> 5] |= 1 << (i & 31);
  return s;
}

export function setHas(s: EventSet, i: number): boolean {
  return (s[i >>> 5] & (1 << (i & 31))) !== 0;
}

export function setUnion(...sets: EventSet[]): EventSet {
  const out = new Uint32Array(sets[0].length);
  for (const s of sets) for (let k = 0; k < out.length; k++) out[k] |= s[k];
  return out;
}

export function setInter(a: EventSet, b: EventSet): EventSet {
  return a.map((w, k) => w & b[k]);
}

export function setMinus(a: EventSet, b: EventSet): EventSet {
  return a.map((w, k) => w & ~b[k]);
}

/** Complement within the n events. */
export function setComplement(n: number, a: EventSet): EventSet {
  return setOf(n, (i) => !setHas(a, i));
}

function lowBit(w: number): number {
  return 31 - Math.clz32(w & -w);
}

/** Calls f for every member of a bit vector. */
function forEachBit(words: Uint32Array, offset: number, count: number, f: (j: number) => void): void {
  for (let k = 0; k < count; k++) {
    let w = words[offset + k];
    while (w !== 0) {
      const b = lowBit(w);
      f((k << 5) + b);
      w &= w - 1;
    }
  }
}

/** An immutable relation on n events; row i holds the successors of i. */
export class Rel {
  readonly n: number;
  readonly w: number;
  readonly bits: Uint32Array;

  private constructor(n: number, bits?: Uint32Array) {
    this.n = n;
    this.w = wordsFor(n);
    this.bits = bits ?? new Uint32Array(n * this.w);
  }

  static empty(n: number): Rel {
    return new Rel(n);
  }

  static fromPairs(n: number, pairs: Iterable<readonly [number, number]>): Rel {
    const r = new Rel(n);
    for (const [i, j] of pairs) r.bits[i * r.w + (j >>> 5)] |= 1 << (j & 31);
    return r;
  }

  static build(n: number, pred: (i: number, j: number) => boolean): Rel {
    const r = new Rel(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (pred(i, j)) r.bits[i * r.w + (j >>> 5)] |= 1 << (j & 31);
    return r;
  }

  /** `[S]`: identity restricted to S. */
  static id(n: number, s: EventSet): Rel {
    const r = new Rel(n);
    for (let i = 0; i < n; i++) if (setHas(s, i)) r.bits[i * r.w + (i >>> 5)] |= 1 << (i & 31);
    return r;
  }

  /** `S1 * S2`: all pairs from S1 to S2. */
  static cross(n: number, a: EventSet, b: EventSet): Rel {
    const r = new Rel(n);
    for (let i = 0; i < n; i++) if (setHas(a, i)) r.bits.set(b, i * r.w);
    return r;
  }

  has(i: number, j: number): boolean {
    return (this.bits[i * this.w + (j >>> 5)] & (1 << (j & 31))) !== 0;
  }

  union(...others: Rel[]): Rel {
    const out = this.bits.slice();
    for (const o of others) for (let k = 0; k < out.length; k++) out[k] |= o.bits[k];
    return new Rel(this.n, out);
  }

  inter(o: Rel): Rel {
    return new Rel(this.n, this.bits.map((x, k) => x & o.bits[k]));
  }

  minus(o: Rel): Rel {
    return new Rel(this.n, this.bits.map((x, k) => x & ~o.bits[k]));
  }

  /** `this ; o` */
  seq(o: Rel): Rel {
    const out = new Uint32Array(this.bits.length);
    const w = this.w;
    for (let i = 0; i < this.n; i++) {
      const base = i * w;
      forEachBit(this.bits, base, w, (j) => {
        const jb = j * w;
        for (let k = 0; k < w; k++) out[base + k] |= o.bits[jb + k];
      });
    }
    return new Rel(this.n, out);
  }

  inv(): Rel {
    const r = new Rel(this.n);
    for (let i = 0; i < this.n; i++) forEachBit(this.bits, i * this.w, this.w, (j) => {
      r.bits[j * r.w + (i >>> 5)] |= 1 << (i & 31);
    });
    return r;
  }

  /** Transitive closure `+` (Warshall on bit rows). */
  plus(): Rel {
    const out = this.bits.slice();
    const w = this.w;
    for (let k = 0; k < this.n; k++) {
      const kb = k * w;
      const kw = k >>> 5;
      const km = 1 << (k & 31);
      for (let i = 0; i < this.n; i++) {
        const ib = i * w;
        if ((out[ib + kw] & km) !== 0) for (let x = 0; x < w; x++) out[ib + x] |= out[kb + x];
      }
    }
    return new Rel(this.n, out);
  }

  /** Reflexive-transitive closure `*` over all n events. */
  star(): Rel {
    return this.plus().opt();
  }

  /** `?`: union with the identity over all n events. */
  opt(): Rel {
    const out = this.bits.slice();
    for (let i = 0; i < this.n; i++) out[i * this.w + (i >>> 5)] |= 1 << (i & 31);
    return new Rel(this.n, out);
  }

  /** `[a] ; this ; [b]` */
  restrict(a: EventSet, b: EventSet): Rel {
    const out = new Uint32Array(this.bits.length);
    for (let i = 0; i < this.n; i++) {
      if (!setHas(a, i)) continue;
      for (let k = 0; k < this.w; k++) out[i * this.w + k] = this.bits[i * this.w + k] & b[k];
    }
    return new Rel(this.n, out);
  }

  /** `this \ id` */
  irreflexivePart(): Rel {
    const out = this.bits.slice();
    for (let i = 0; i < this.n; i++) out[i * this.w + (i >>> 5)] &= ~(1 << (i & 31));
    return new Rel(this.n, out);
  }

  isEmpty(): boolean {
    return this.bits.every((x) => x === 0);
  }

  isIrreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }

  isAcyclic(): boolean {
    return this.plus().isIrreflexive();
  }

  domain(): EventSet {
    return setOf(this.n, (i) => {
      for (let k = 0; k < this.w; k++) if (this.bits[i * this.w + k] !== 0) return true;
      return false;
    });
  }

  range(): EventSet {
    const s = new Uint32Array(this.w);
    for (let i = 0; i < this.n; i++) for (let k = 0; k < this.w; k++) s[k] |= this.bits[i * this.w + k];
    return s;
  }

  pairs(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.n; i++) forEachBit(this.bits, i * this.w, this.w, (j) => out.push([i, j]));
    return out;
  }
}
