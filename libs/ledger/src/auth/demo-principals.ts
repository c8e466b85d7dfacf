import type { Principal } from '@yuantrace/domain';

/** The demo county of the embedded demo data (in the fictional province 99, 演示省). */
export const DEMO_PROVINCE = '990000000000';
export const DEMO_COUNTY = '990101000000';
export const DEMO_VILLAGE = '990101001001';

/** One principal per role, created for the embedded demo; `npm run cli -- demo-tokens` prints their tokens again. */
export const DEMO_PRINCIPALS: Principal[] = [
  { id: 'demo-finance', role: 'finance', scope: DEMO_PROVINCE },
  { id: 'demo-approver', role: 'approver', scope: DEMO_PROVINCE },
  { id: 'demo-inspector', role: 'inspector', scope: DEMO_PROVINCE },
  { id: 'demo-auditor', role: 'auditor', scope: DEMO_PROVINCE },
  { id: 'demo-village', role: 'village', scope: DEMO_VILLAGE },
];
