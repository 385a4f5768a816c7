/**
 * `T` with every field named, optional ones included (they may be `undefined`): the type of an
 * object literal a hot path builds field by field instead of spreading (`{ ...base, at }`). On
 * Node 20's V8 each object a leading spread makes gets a hidden class of its own, so every read
 * of such objects further on misses its inline cache (docs/ARCHITECTURE.md, "Hot paths build
 * objects field by field"). Typed so, a literal that misses a field added to `T` does not compile:
 * the field is not dropped silently.
 */
export type EveryField<T> = { [K in keyof T]-?: T[K] };
