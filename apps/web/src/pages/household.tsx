import type { Principal } from '../lib/session';
export function HouseholdPage({ householdId }: { householdId: string; who: Principal }) {
  return <h1>扶贫明白卡 {householdId}</h1>;
}
export function HouseholdListPage(_: { who: Principal }) {
  return <h1>农户</h1>;
}
