import type { Principal } from '../lib/session';
export function PaymentPage({ paymentId }: { paymentId: string; who: Principal }) {
  return <h1>支付 {paymentId}</h1>;
}
