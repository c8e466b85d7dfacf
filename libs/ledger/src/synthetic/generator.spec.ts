import { expect, test } from '@jest/globals';
import { validateIdNumber } from '@yuantrace/domain';
import { generate } from './generator';

test('the same seed gives the same county, byte for byte; another seed another', () => {
  const a = JSON.stringify(generate('tiny', 42));
  expect(JSON.stringify(generate('tiny', 42))).toBe(a);
  expect(JSON.stringify(generate('tiny', 43))).not.toBe(a);
});

test('a tiny county: units, households with valid fictional identity numbers, every kind of command', () => {
  const { commands, manifest } = generate('tiny', 1);
  const ops = new Set(commands.map((c) => c.op));
  for (const op of ['unit', 'household', 'batch', 'allocate', 'project', 'milestone', 'payment', 'approve', 'execute', 'return', 'householdStatus']) expect(ops).toContain(op);
  const households = commands.filter((c) => c.op === 'household') as unknown as Array<{ head: { idNumber: string }; members: Array<{ idNumber: string }> }>;
  expect(households).toHaveLength(250);
  const ids = households.flatMap((h) => [h.head.idNumber, ...h.members.map((m) => m.idNumber)]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) {
    expect(id.startsWith('99')).toBe(true);
    expect(() => validateIdNumber(id, 'id')).not.toThrow();
  }
  expect(manifest.commands).toBe(commands.length);
  expect(Object.keys(manifest.totals.appropriatedBySource).sort()).toEqual(['CENTRAL_SPECIAL_POVERTY', 'COUNTY_BUDGET', 'PAIRING_UNIT', 'PROVINCIAL_POVERTY']);
});
