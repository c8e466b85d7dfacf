import { Injectable } from '@nestjs/common';
import {
  assertInScope, assertNotAfterToday, notFound, rosterDecider, ruleBroken, ruleSetDecider, shanghaiToday, Streams, validateIdNumber,
  type AdoptRuleSet, type RosterRelative, type RosterRole, type RuleSetVersion, NATIONAL_SCOPE, Rejection,
} from '@yuantrace/domain';
import { Clock } from '../infrastructure/clock';
import { PersonalDataVault } from '../personal-data/personal-data-vault';
import { CommandHandler } from './command-handler';
import { commandOrigin, type Caller } from './ledger.service';


/**
 * The inspector's side of the write model: the red-flag rule set's versions and the roster of
 * cadres, helpers and work-team members the favouritism rules match payees against.
 * Same command handler as the money: each command is one pure decision over its stream.
 */
@Injectable()
export class OversightService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
  ) {}

  private notFuture(date: string, field: string) {
    assertNotAfterToday(date, shanghaiToday(this.clock.now()), field);
  }

  async ruleSetVersions(): Promise<RuleSetVersion[]> {
    return (await this.commands.peek(ruleSetDecider, Streams.redFlagRules())).versions;
  }

  /** A rule set binds every region: only a reader of the whole country may change it. */
  async adoptRuleSet(caller: Caller, c: Omit<AdoptRuleSet, 'type'>) {
    if (caller.principal.scope !== NATIONAL_SCOPE) {
      throw new Rejection('out_of_scope', `the red-flag rule set applies everywhere; ${caller.principal.id} acts in one region only`, 'forbidden');
    }
    await this.commands.handle(ruleSetDecider, Streams.redFlagRules(), { type: 'AdoptRuleSet', ...c }, `ruleset:redflags:${c.version}`, commandOrigin(caller));
    const adopted = (await this.ruleSetVersions()).find((v) => v.version === c.version);
    if (!adopted) throw notFound('rule_set_version_not_found', `rule set version ${c.version} was not adopted`, 'version');
    return adopted;
  }

  async rosterPerson(personId: string) {
    const s = await this.commands.peek(rosterDecider, Streams.roster(personId));
    if (s.status === 'none') throw notFound('roster_person_not_found', `roster person ${personId} does not exist`, 'personId');
    return s;
  }

  async recordRosterPerson(caller: Caller, p: {
    personId: string; name: string; role: RosterRole; unitCode: string; idNumber: string; account?: string; from: string;
    relatives: Array<{ name: string; idNumber: string; relation: string }>;
  }) {
    assertInScope(caller.principal, p.unitCode, 'the unit the person serves');
    this.notFuture(p.from, 'from');
    const self = validateIdNumber(p.idNumber, 'idNumber').idNumber;
    const id = await this.vault.protect('id_number', self);
    const account = p.account ? await this.vault.protect('account', p.account) : null;
    const relatives: RosterRelative[] = [];
    for (const [i, r] of p.relatives.entries()) {
      const n = validateIdNumber(r.idNumber, `relatives[${i}].idNumber`).idNumber;
      if (n === self) throw ruleBroken('relative_is_the_person', `relatives[${i}] is the person themself`, `relatives[${i}].idNumber`);
      const ref = await this.vault.protect('id_number', n);
      relatives.push({ name: r.name, idRef: ref.ref, idMasked: ref.masked, relation: r.relation });
    }
    const person = { personId: p.personId, name: p.name, role: p.role, unitCode: p.unitCode, idRef: id.ref, idMasked: id.masked,
      accountRef: account?.ref ?? null, accountMasked: account?.masked ?? null, from: p.from, relatives };
    await this.commands.handle(rosterDecider, Streams.roster(p.personId), { type: 'RecordPerson', person }, `roster:${p.personId}:record`, commandOrigin(caller));
    return this.rosterPerson(p.personId);
  }

  async recordRosterLeaving(caller: Caller, personId: string, l: { date: string; reason: string }) {
    const s = await this.rosterPerson(personId);
    assertInScope(caller.principal, s.person.unitCode, `roster person ${personId}`);
    this.notFuture(l.date, 'date');
    await this.commands.handle(rosterDecider, Streams.roster(personId), { type: 'RecordLeaving', left: { personId, ...l } }, `roster:${personId}:left`, commandOrigin(caller));
    return this.rosterPerson(personId);
  }
}
