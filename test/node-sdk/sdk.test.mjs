// The official FullStory Node server SDK, unchanged, against a Backstory
// server. Run by cmd/backstory's TestNodeSDK, which starts `serve` with a
// certificate it makes and sets FS_API_HOST, NODE_ENV=test,
// NODE_EXTRA_CA_CERTS and BACKSTORY_API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '@fullstory/server-api-client';

const fs = init({ apiKey: process.env.BACKSTORY_API_KEY });
const uid = `sdk-${Date.now()}`;

// runJob executes a batch job and resolves with its imports and failures.
function runJob(job) {
  return new Promise((resolve, reject) => {
    job
      .on('done', (imported, failed) => resolve({ imported, failed }))
      .on('abort', (errs) => reject(new Error(`job aborted: ${errs}`)));
    job.execute();
  });
}

test('users: create, get, list, update, delete', async () => {
  const created = await fs.users.create({
    body: {
      uid, display_name: 'SDK User', email: 'sdk@example.org',
      properties: { pricing_plan: 'paid', popup_help: true, total_spent: 14.55 },
    },
  });
  const id = created.body.id;
  assert.match(id, /^\d+$/);

  const got = await fs.users.get({ id });
  assert.equal(got.body.uid, uid);
  assert.equal(got.body.display_name, 'SDK User');
  assert.equal(got.body.properties.total_spent, 14.55);

  const listed = await fs.users.list({ uid });
  assert.equal(listed.body.results.length, 1);
  assert.equal(listed.body.results[0].id, id);

  const updated = await fs.users.update({ id, body: { display_name: 'Renamed' } });
  assert.equal(updated.httpStatusCode, 200);
  assert.equal((await fs.users.get({ id })).body.display_name, 'Renamed');

  // The same idempotency key and body gives the first answer again.
  const body = { uid: `${uid}-idem` };
  const a = await fs.users.create({ body, idempotencyKey: `${uid}-k` });
  const b = await fs.users.create({ body, idempotencyKey: `${uid}-k` });
  assert.equal(a.body.id, b.body.id);

  await fs.users.delete({ id });
  await assert.rejects(fs.users.get({ id }), (e) => e.httpStatusCode === 404);
  await fs.users.delete({ uid: `${uid}-idem` });
});

test('events: create for a user', async () => {
  await fs.users.create({ body: { uid: `${uid}-ev` } });
  const rsp = await fs.events.create({
    body: {
      user: { uid: `${uid}-ev` },
      context: { browser: { url: 'https://www.example.com', initial_referrer: 'https://www.referrer.com' },
        location: { latitude: 33.748997, longitude: -84.387985 } },
      name: 'Support Ticket',
      timestamp: '2022-03-15T14:23:23Z',
      properties: { id: 424242, priority: 'Normal', source: 'Email' },
    },
  });
  assert.equal(rsp.httpStatusCode, 200);
});

test('batch: users and events import jobs', async () => {
  const users = await runJob(fs.users.batchCreate({
    body: { requests: [{ uid: `${uid}-b1`, display_name: 'One' }, { uid: `${uid}-b2` }] },
  }, { pollInterval: 200 }));
  assert.equal(users.imported.length, 2);
  assert.equal(users.failed.length, 0);
  const ids = users.imported.map((u) => u.id);

  const events = await runJob(fs.events.batchCreate({
    body: { requests: [
      { user: { id: ids[0] }, name: 'Events - 1', timestamp: '2022-03-15T14:23:23Z' },
      { user: { id: ids[1] }, name: 'Events - 2', timestamp: '2022-03-15T14:23:24Z' },
      { user: { id: '999999' }, name: 'Events - 3', timestamp: '2022-03-15T14:23:25Z' },
    ] },
  }, { pollInterval: 200 }));
  // A job with a failed item ends FAILED, and the SDK then lists only the
  // failures; the other two are stored (internal/e2e checks that side).
  assert.equal(events.failed.length, 1);
  assert.match(events.failed[0].message, /999999/);
});
