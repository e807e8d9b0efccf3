import type { z } from 'zod';
import { enqueue, type OutboxItem, type OutboxRow } from '../store/outbox.js';
import type { Tx } from '../store/unit-of-work.js';

/** Payloads are stored as JSON objects. */
export type PayloadSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** Where and when an item runs (lane, coalescing, delay): see OutboxItem. */
export type EffectItem<S extends PayloadSchema> = Omit<OutboxItem, 'kind' | 'payload'> & {
  payload: z.input<S>;
};

/**
 * One kind of outbox item: its name and the shape of its payload. Defined next to the code
 * that enqueues it (the core); the handler is attached where its dependencies live (the edge),
 * so the core never imports the chat platform or the pager.
 */
export interface Effect<K extends string, S extends PayloadSchema> {
  readonly kind: K;
  readonly schema: S;
  /** Call inside the transaction that commits the state the effect is about. */
  enqueue(tx: Tx, item: EffectItem<S>, now: Date): Promise<void>;
  /** What carries the effect out; it gets the payload only after the schema accepted it. */
  handledBy(handle: (payload: z.output<S>, item: OutboxRow) => Promise<void>): EffectHandler<S>;
}

/** A kind, its schema and its handler, as the outbox worker takes them. */
export interface EffectHandler<S extends PayloadSchema = PayloadSchema> {
  readonly kind: string;
  readonly schema: S;
  // Method syntax on purpose: a list of handlers of different payloads is an
  // `EffectHandler[]`, whose `handle` takes what `schema` returned. handledBy is the only
  // place that builds one, and it ties the schema and the handler to the same S.
  handle(payload: z.output<S>, item: OutboxRow): Promise<void>;
}

export function defineEffect<K extends string, S extends PayloadSchema>(definition: {
  kind: K;
  payload: S;
}): Effect<K, S> {
  const { kind, payload: schema } = definition;
  return {
    kind,
    schema,
    async enqueue(tx, item, now) {
      await enqueue(tx, { ...item, kind }, now);
    },
    handledBy(handle) {
      return { kind, schema, handle };
    },
  };
}
