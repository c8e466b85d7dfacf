import type { INestApplication } from '@nestjs/common';
import type { Principal } from '@yuantrace/domain';
import { TokenService } from '@yuantrace/ledger';

/** The people of the test county: a province and a county finance clerk, an approver, … */
export const PEOPLE = {
  centralFinance: { id: 'cen-fin', role: 'finance', scope: '000000000000' },
  provinceFinance: { id: 'prov-fin', role: 'finance', scope: '990000000000' },
  countyFinance: { id: 'cty-fin', role: 'finance', scope: '990101000000' },
  countyFinance2: { id: 'cty-fin-2', role: 'finance', scope: '990101000000' },
  countyApprover: { id: 'cty-appr', role: 'approver', scope: '990101000000' },
  countyFinanceAsApprover: { id: 'cty-fin', role: 'approver', scope: '990101000000' },
  inspector: { id: 'insp', role: 'inspector', scope: '990000000000' },
  /** A second inspector: the checker of a case closure the first proposes. */
  inspector2: { id: 'insp-2', role: 'inspector', scope: '990000000000' },
  nationalInspector: { id: 'nat-insp', role: 'inspector', scope: '000000000000' },
  auditor: { id: 'aud', role: 'auditor', scope: '990000000000' },
  village: { id: 'vil', role: 'village', scope: '990101001001' },
  otherCountyFinance: { id: 'other-fin', role: 'finance', scope: '990102000000' },
  otherCountyApprover: { id: 'other-appr', role: 'approver', scope: '990102000000' },
} satisfies Record<string, Principal>;

export type Person = keyof typeof PEOPLE;

export function bearer(app: INestApplication, who: Person | Principal): string {
  const p = typeof who === 'string' ? PEOPLE[who] : who;
  return `Bearer ${app.get(TokenService).issue(p)}`;
}
