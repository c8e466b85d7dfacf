import type { Principal } from '../lib/session';
export function AlertsPage(_: { who: Principal }) {
  return <h1>预警</h1>;
}
export function AlertPage({ alertId }: { alertId: string; who: Principal }) {
  return <h1>预警 {alertId}</h1>;
}
export function CasesPage(_: { who: Principal }) {
  return <h1>案件</h1>;
}
export function CasePage({ caseId }: { caseId: string; who: Principal }) {
  return <h1>案件 {caseId}</h1>;
}
