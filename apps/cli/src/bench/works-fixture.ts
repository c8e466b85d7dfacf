/** The region tree a fixture needs when it starts from an empty database: province down to one village. */
export const FIXTURE_UNITS: ReadonlyArray<{ code: string; name: string; level: string; parentCode: string | null }> = [
  { code: '990000000000', name: '演示省', level: 'province', parentCode: null },
  { code: '990100000000', name: '演示市', level: 'city', parentCode: '990000000000' },
  { code: '990101000000', name: '演示县', level: 'county', parentCode: '990100000000' },
  { code: '990101001000', name: '双龙乡', level: 'township', parentCode: '990101000000' },
  { code: '990101001001', name: '双龙村', level: 'village', parentCode: '990101001000' },
];

/**
 * Through the HTTP api: a county batch of `amount` yuan wholly allocated to a road project of the
 * same budget, approved, started and reported done, so progress payments may draw the whole
 * allocation. What the benchmark, the soak and the restart test pay from.
 */
export async function fundWorksProject(
  send: (method: 'POST', path: string, body: unknown) => Promise<unknown>,
  p: { batchId: string; projectId: string; allocationId: string; amount: string; unitCode: string },
): Promise<void> {
  await send('POST', '/fund-batches', { batchId: p.batchId, documentNo: `县财〔2016〕${p.batchId}号`, title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
    recipientUnitCode: '990101000000', fiscalYear: 2016, amount: p.amount, effectiveDate: '2016-01-05', purpose: '基础设施' });
  await send('POST', '/projects', { projectId: p.projectId, name: '道路硬化', type: 'ROAD', unitCode: p.unitCode, implementer: '村民委员会', budget: p.amount,
    plannedStart: '2016-01-01', plannedEnd: '2016-12-31' });
  for (const [id, m] of [['a', { kind: 'approved', date: '2016-01-06', documentNo: '县扶贫办〔2016〕1号' }], ['s', { kind: 'started', date: '2016-01-06' }],
    ['p', { kind: 'progress', date: '2016-01-07', percentComplete: 100 }]] as const) {
    await send('POST', `/projects/${p.projectId}/milestones`, { milestoneId: id, ...m });
  }
  await send('POST', `/fund-batches/${p.batchId}/allocations`, { allocationId: p.allocationId, target: { type: 'project', projectId: p.projectId }, amount: p.amount,
    effectiveDate: '2016-01-07', documentNo: '县财发〔2016〕1号' });
}
