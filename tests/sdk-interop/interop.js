// RingCentral's official JavaScript SDK against the standalone emulator, with the values it printed:
// log in with the JWT, place a RingOut and poll it to its end, cancel another, refresh the token, log out.
// Prints one JSON line of what it saw; the xunit test checks it. Needs a server started with --virtual-clock:
// instead of sleeping, the script moves the emulator's clock (POST /_emulator/clock, outside RingCentral's API).
const { SDK } = require('@ringcentral/sdk');

const advance = (seconds) => fetch(`${process.env.RC_SERVER_URL}/_emulator/clock?seconds=${seconds}`, { method: 'POST' });

async function main() {
  const sdk = new SDK({
    server: process.env.RC_SERVER_URL,
    clientId: process.env.RC_APP_CLIENT_ID,
    clientSecret: process.env.RC_APP_CLIENT_SECRET,
  });
  const platform = sdk.platform();
  const seen = {};
  await platform.login({ jwt: process.env.RC_USER_JWT });
  seen.loggedIn = await platform.loggedIn();

  const path = '/restapi/v1.0/account/~/extension/~/ring-out';
  const placed = await (await platform.post(path, { to: { phoneNumber: '+14155550123' }, from: { phoneNumber: '+16505550001' }, playPrompt: false })).json();
  seen.id = placed.id;
  seen.statuses = [placed.status.callStatus];
  for (let i = 0; i < 60; i++) {
    await advance(1);
    let status;
    try {
      status = (await (await platform.get(`${path}/${placed.id}`)).json()).status;
    } catch (e) {
      seen.gone = e.response ? e.response.status : String(e);
      break;
    }
    const text = `${status.callStatus}/${status.callerStatus}/${status.calleeStatus}`;
    if (seen.statuses[seen.statuses.length - 1] !== text) seen.statuses.push(text);
    if (status.callerStatus === 'Finished') break;
  }

  const other = await (await platform.post(path, { to: { phoneNumber: '+16505550106' }, from: { phoneNumber: '+16505550001' } })).json();
  await advance(6); // the caller has answered; the callee (the long-ring number) is still ringing
  seen.cancel = (await platform.delete(`${path}/${other.id}`)).status;

  const before = (await platform.auth().data()).access_token;
  await platform.refresh();
  const after = (await platform.auth().data()).access_token;
  seen.refreshed = !!after && after !== before;
  seen.afterRefresh = (await platform.get('/restapi/v1.0/account/~/extension/~')).status;

  await platform.logout();
  seen.loggedOut = !(await platform.loggedIn());
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
  process.exit(1);
});
