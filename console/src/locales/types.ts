/** The same keys as the Chinese messages, every leaf a string: a key missing in English fails vue-tsc. */
export type MessagesOf<T> = { [K in keyof T]: T[K] extends string ? string : MessagesOf<T[K]> };
