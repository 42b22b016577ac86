/**
 * The ceiling for this machine: bare Fastify + pg, no auth, no validation, no envelope. One
 * endpoint INSERTs an order row of the same shape as paygate's (same table, same indexes: the
 * migrations ran on this database), one SELECTs it by primary key, by path or by query string
 * (`/orders/{id}` and `/orders?order_id=`, as paygate's two reads by id). Started as its own
 * process, like paygate, with the same pool size.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';

const url = process.env.BASELINE_DATABASE_URL;
const port = Number(process.env.PORT ?? 0);
const pool = new Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const app = Fastify({ logger: false });

interface CreateBody {
  source_id: number;
  product_id: string;
  product_name: string;
  amount: number;
  merchant_order_no?: string;
}

app.post<{ Body: CreateBody }>('/orders', async (request, reply) => {
  const b = request.body;
  const now = Date.now();
  const orderId = `ord_${randomUUID().replace(/-/g, '')}`;
  const { rows } = await pool.query(
    `INSERT INTO orders (order_id, source_id, merchant_order_no, idempotency_key, product_id, product_name, amount, currency,
       status, routing, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'CNY', 'PENDING', '{}', $8, $9, $9) RETURNING *`,
    [
      orderId,
      b.source_id,
      b.merchant_order_no ?? null,
      request.headers['idempotency-key'] ?? null,
      b.product_id,
      b.product_name,
      b.amount,
      now + 1800_000,
      now,
    ],
  );
  reply.code(201);
  return rows[0];
});

async function byId(
  id: string | undefined,
  reply: { code(n: number): { send(b: unknown): unknown } },
) {
  const { rows } = await pool.query('SELECT * FROM orders WHERE order_id = $1', [id ?? '']);
  if (!rows[0]) return reply.code(404).send({ error: 'not found' });
  return rows[0];
}

app.get<{ Params: { id: string } }>('/orders/:id', (request, reply) =>
  byId(request.params.id, reply),
);
app.get<{ Querystring: { order_id?: string } }>('/orders', (request, reply) =>
  byId(request.query.order_id, reply),
);

app.listen({ port, host: '127.0.0.1' }).then((address) => {
  process.stdout.write(`listening ${address}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(
    signal,
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
