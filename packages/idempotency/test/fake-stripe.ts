/**
 * A counting stand-in for `stripe.customers.create`: like Stripe, a repeated Idempotency-Key returns
 * the resource the first request created (and a concurrent duplicate waits for it) instead of
 * creating another.
 */
export function createCountingStripe() {
  const byKey = new Map<string, Promise<{ id: string }>>();
  const created: string[] = [];
  let calls = 0;
  return {
    customers: {
      create(params: { email: string }, options: { idempotencyKey?: string } = {}): Promise<{ id: string }> {
        calls++;
        const make = async () => {
          await new Promise((r) => setTimeout(r, 5)); // a network round trip
          const id = `cus_${created.length + 1}`;
          created.push(`${id}:${params.email}`);
          return { id };
        };
        if (!options.idempotencyKey) return make();
        let pending = byKey.get(options.idempotencyKey);
        if (!pending) {
          pending = make();
          byKey.set(options.idempotencyKey, pending);
        }
        return pending;
      },
    },
    get calls() {
      return calls;
    },
    /** Resources that really exist. */
    get created() {
      return [...created];
    },
    keys: () => [...byKey.keys()],
  };
}
