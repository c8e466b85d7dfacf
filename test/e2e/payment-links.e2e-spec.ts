import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Streams } from '@yuantrace/domain';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { startTestApp } from '../support/app';
import { fundedRoad, registerCounty } from '../support/county';
import { client } from '../support/http';

/** A re-payment after 退票 names the payment it replaces; a bank reference names one transfer per channel. On the embedded store. */
describe('payment links and bank references', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  const appr = () => api.as('countyApprover');
  const pay = (paymentId: string, over: object = {}) => fin().post('/payments', { paymentId, projectId: 'PL-P', allocationId: 'PL-A', amount: '1000.00', purpose: '工程款',
    installment: 'progress', effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'K1', name: '某公司', account: '6222000011113333' }, ...over });
  const read = async (path: string) => {
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    return (await api.as('auditor').get(path).expect(200)).body;
  };

  beforeAll(async () => {
    t = await startTestApp('embedded');
    api = client(t.app);
    await registerCounty(t.app);
    await fundedRoad(t.app, { batchId: 'PL-B', projectId: 'PL-P', allocationId: 'PL-A' });
    for (const id of ['PL-1', 'PL-2', 'PL-3', 'PL-4']) {
      await pay(id).expect(201);
      await appr().post(`/payments/${id}/approval`, { approved: true, effectiveDate: '2016-06-02' }).expect(200);
    }
  });
  afterAll(async () => t?.close());

  test('a bank reference reused on the same channel is 409 and writes nothing; on another channel it is another transfer', async () => {
    await fin().post('/payments/PL-1/execution', { channel: 'one_card', bankReference: '一卡通-2016-0001', effectiveDate: '2016-06-03' }).expect(200);
    // The same command again is a retry, answered the same.
    await fin().post('/payments/PL-1/execution', { channel: 'one_card', bankReference: '一卡通-2016-0001', effectiveDate: '2016-06-03' }).expect(200);
    const before = await t.app.get(EventStore).headPosition();
    const reused = await fin().post('/payments/PL-2/execution', { channel: 'one_card', bankReference: '一卡通-2016-0001', effectiveDate: '2016-06-03' }).expect(409);
    // The same reference with a space at either end (an ASCII or an ideographic one) is refused as written, not taken for another reference.
    for (const padded of ['一卡通-2016-0001 ', ' 一卡通-2016-0001', '一卡通-2016-0001\u3000']) {
      const r = await fin().post('/payments/PL-2/execution', { channel: 'one_card', bankReference: padded, effectiveDate: '2016-06-03' }).expect(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_field', field: 'bankReference' });
    }
    expect(reused.body.error).toMatchObject({ code: 'bank_reference_reused', field: 'bankReference' });
    expect(reused.body.error.message).toContain('PL-1');
    // Written another way (full-width digits and dashes from a Chinese input method, spaces inside) it is the same transfer.
    for (const other of ['一卡通－２０１６－０００１', '一卡通 - 2016 - 0001']) {
      const r = await fin().post('/payments/PL-2/execution', { channel: 'one_card', bankReference: other, effectiveDate: '2016-06-03' }).expect(409);
      expect({ other, error: r.body.error }).toMatchObject({ other, error: { code: 'bank_reference_reused', field: 'bankReference' } });
    }
    expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    await fin().post('/payments/PL-2/execution', { channel: 'bank_transfer', bankReference: '一卡通-2016-0001', effectiveDate: '2016-06-03' }).expect(200);
    expect(await read('/payments/PL-1')).toMatchObject({ status: 'executed', channel: 'one_card', bankReference: '一卡通-2016-0001', replaces: null, replacedBy: null });
  });

  test('a reference recorded before references were keyed as the bank reads them is still refused for another payment when written the same way', async () => {
    const store = t.app.get(EventStore);
    const written = 'boc 2016-0515';
    // As an execution recorded then kept it: in the stream of its digest as written (the key form's stream is another).
    expect(Streams.bankReferenceAsWritten('bank_transfer', written)).not.toBe(Streams.bankReference('bank_transfer', written));
    await store.appendToStream(Streams.bankReferenceAsWritten('bank_transfer', written), [{ id: randomUUID(), type: 'BankReferenceUsed',
      data: { channel: 'bank_transfer', bankReference: written, paymentId: 'PL-EARLIER', effectiveDate: '2016-05-15' },
      metadata: { commandId: 'payment:PL-EARLIER:execute', correlationId: 'c', actor: { principalId: 'fin', role: 'finance' } } }], { expectedRevision: 'no_stream' });
    const before = await store.headPosition();
    const reused = await fin().post('/payments/PL-4/execution', { channel: 'bank_transfer', bankReference: written, effectiveDate: '2016-06-03' }).expect(409);
    expect(reused.body.error).toMatchObject({ code: 'bank_reference_reused', field: 'bankReference' });
    expect(reused.body.error.message).toContain('PL-EARLIER');
    expect(await store.headPosition()).toEqual(before);
    // Another reference is another transfer; the new one is kept in its key form's stream.
    await fin().post('/payments/PL-4/execution', { channel: 'bank_transfer', bankReference: 'boc 2016-0516', effectiveDate: '2016-06-03' }).expect(200);
    expect((await store.readStream(Streams.bankReference('bank_transfer', 'BOC2016-0516'))).map((e) => e.data.paymentId)).toEqual(['PL-4']);
  });

  test('a re-payment after a failed transfer names it, both views show the link, and it cannot be paid again twice or by a different payee', async () => {
    await fin().post('/payments/PL-3/failure', { reason: '账户已销户', effectiveDate: '2016-06-03' }).expect(200);
    const otherPayee = await pay('PL-3B', { effectiveDate: '2016-06-05', replacesPaymentId: 'PL-3', payee: { type: 'contractor', id: 'K2', name: '另一公司', account: '6222' } })
      .expect(422);
    expect(otherPayee.body.error).toMatchObject({ code: 'replacement_differs', field: 'replacesPaymentId' });
    expect((await pay('PL-3X', { effectiveDate: '2016-06-05', replacesPaymentId: 'PL-1' }).expect(422)).body.error.code).toBe('replaced_payment_not_failed');
    expect((await pay('PL-3Y', { effectiveDate: '2016-06-05', replacesPaymentId: 'PL-NONE' }).expect(422)).body.error.code).toBe('replaced_payment_not_found');
    await pay('PL-3A', { effectiveDate: '2016-06-05', replacesPaymentId: 'PL-3' }).expect(201);
    expect((await pay('PL-3C', { effectiveDate: '2016-06-06', replacesPaymentId: 'PL-3' }).expect(409)).body.error.code).toBe('payment_already_replaced');
    expect(await read('/payments/PL-3')).toMatchObject({ status: 'failed', replacedBy: 'PL-3A' });
    expect(await read('/payments/PL-3A')).toMatchObject({ status: 'requested', replaces: 'PL-3' });
    // As known before the re-payment was entered, nothing had replaced it yet.
    expect(await read('/payments/PL-3?asOf=2016-06-04')).toMatchObject({ replacedBy: null });
  });
});
