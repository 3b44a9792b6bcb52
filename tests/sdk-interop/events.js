// RingCentral's own @ringcentral/subscriptions against the standalone emulator, with only the values it printed:
// subscribe to the user's telephony sessions over the WebSocket gateway, place a RingOut through REST and receive
// its events through to Disconnected, read the call log, hang up a connected call through Call Control and see
// its parties disconnected, then end the subscription. Prints one JSON line of what it saw; the xunit test checks
// it. The server runs on a virtual clock moved by POST /_emulator/clock; events cross a real socket, so the script
// waits for them on a condition, bounded.
const { SDK } = require('@ringcentral/sdk');
const { Subscriptions } = require('@ringcentral/subscriptions');

const server = process.env.RC_SERVER_URL;
const advance = (seconds) => fetch(`${server}/_emulator/clock?seconds=${seconds}`, { method: 'POST' });
const waitFor = async (condition, ms = 10000) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for events');
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function main() {
  const sdk = new SDK({ server, clientId: process.env.RC_APP_CLIENT_ID, clientSecret: process.env.RC_APP_CLIENT_SECRET });
  const platform = sdk.platform();
  await platform.login({ jwt: process.env.RC_USER_JWT });
  const seen = {};

  const subscriptions = new Subscriptions({ sdk });
  const subscription = subscriptions.createSubscription();
  const events = [];
  subscription.on(subscription.events.notification, (event) => events.push(event));
  subscription.setEventFilters(['/restapi/v1.0/account/~/extension/~/telephony/sessions']);
  const ws = await subscription.register();
  seen.subscription = { status: ws.subscriptionInfo.status, transport: ws.subscriptionInfo.deliveryMode.transportType, filters: ws.subscriptionInfo.eventFilters };

  const path = '/restapi/v1.0/account/~/extension/~/ring-out';
  const placed = await (await platform.post(path, { to: { phoneNumber: '+14155550123' }, from: { phoneNumber: '+16505550001' } })).json();
  seen.ringOutId = placed.id;
  const partiesOf = (e) => e.body.parties.map((p) => p.status.code + (p.status.reason ? ':' + p.status.reason : '')).join('/');
  const first = () => events.filter((e) => e.body.telephonySessionId === (events[0] && events[0].body.telephonySessionId));
  await waitFor(() => events.length >= 1);
  for (let i = 0; i < 45 && !first().some((e) => e.body.parties.every((p) => p.status.code === 'Disconnected')); i++) {
    await advance(1);
    await new Promise((r) => setTimeout(r, 60));
  }
  await waitFor(() => first().some((e) => e.body.parties.every((p) => p.status.code === 'Disconnected')));
  seen.events = first().map(partiesOf);
  seen.sequences = first().map((e) => e.body.sequence);
  seen.origin = first()[0].body.origin.type;
  seen.telephonySessionId = first()[0].body.telephonySessionId;
  seen.mentionsRingOutId = JSON.stringify(first()).includes(String(placed.id));

  await advance(30);
  const log = await (await platform.get('/restapi/v1.0/account/~/extension/~/call-log', { dateFrom: '2000-01-01T00:00:00.000Z' })).json();
  const record = log.records.find((r) => r.telephonySessionId === seen.telephonySessionId);
  seen.callLog = record ? { result: record.result, duration: record.duration, action: record.action } : null;

  const second = await (await platform.post(path, { to: { phoneNumber: '+14155550124' }, from: { phoneNumber: '+16505550001' } })).json();
  await advance(12); // connected
  const active = await (await platform.get('/restapi/v1.0/account/~/extension/~/active-calls')).json();
  const live = active.records.find((r) => r.to.phoneNumber === '+14155550124');
  seen.hangUp = (await platform.delete(`/restapi/v1.0/account/~/telephony/sessions/${live.telephonySessionId}`)).status;
  const ofLive = () => events.filter((e) => e.body.telephonySessionId === live.telephonySessionId);
  await waitFor(() => ofLive().some((e) => e.body.parties.every((p) => p.status.code === 'Disconnected')));
  seen.hangUpEvents = ofLive().map(partiesOf);
  seen.afterHangUp = (await (await platform.get(`${path}/${second.id}`)).json()).status;

  await ws.revoke();
  seen.revoked = true;
  await platform.logout();
  console.log(JSON.stringify(seen));
  process.exit(0);
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.message ? e.message : e), stack: e && e.stack }));
  process.exit(1);
});
