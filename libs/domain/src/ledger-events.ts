import type { AdminUnitEvent } from './admin-unit/admin-unit';
import type { CaseEvent } from './case/case';
import type { FundBatchEvent } from './fund-batch/fund-batch';
import type { HouseholdEvent } from './household/household';
import type { BankReferenceUsed, PaymentEvent } from './payment/payment';
import type { ProjectEvent } from './project/project';
import type { RuleSetEvent } from './oversight/red-flag-rules';
import type { RosterEvent } from './oversight/roster';

/**
 * Every event the ledger writes, as the domain defines it: the read side consumes these types
 * (a projection names the ones it handles and gets their data typed), never untyped records.
 */
export type LedgerEvent = AdminUnitEvent | FundBatchEvent | ProjectEvent | PaymentEvent | HouseholdEvent | BankReferenceUsed | RuleSetEvent | RosterEvent | CaseEvent;
export type LedgerEventType = LedgerEvent['type'];
/** The event of one type, e.g. EventOf<'FundsAllocated'>. */
export type EventOf<T extends LedgerEventType> = Extract<LedgerEvent, { type: T }>;
