import type { Principal } from '../lib/session';
export function QueuePage(_: { who: Principal }) {
  return <h1>待审核</h1>;
}
