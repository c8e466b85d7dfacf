import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { generate } from '../../apps/cli/src/generate/generator';
import { checkManifest, loadCommands } from '../../apps/cli/src/generate/load';
import { READ_DB } from '../../apps/api/src/infrastructure/tokens';
import { startTestApp } from '../support/app';

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  t = await startTestApp('postgres');
});
afterAll(async () => t?.close());

test('a generated county loads through the deciders, resumes after an interruption, and matches its manifest to the fen', async () => {
  const { commands, manifest } = generate('tiny', 3, { households: 40, years: [2016, 2017] });
  // Interrupted after part of the file: the second run resumes where the first stopped.
  const part = Math.floor(commands.length / 2);
  await loadCommands(t.app, 'test-load', commands.slice(0, part), undefined, 50);
  const second = await loadCommands(t.app, 'test-load', commands, undefined, 50);
  expect(second.resumedAt).toBe(part);
  expect(second.loaded).toBe(commands.length - part);
  expect(await checkManifest(t.app, manifest)).toEqual([]);
  await t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const report = await verifyReadModels(t.app.get(EventStore), t.app.get(READ_DB), readModelProjections());
  expect(report).toMatchObject({ ok: true, differences: [], conservation: [] });
});
