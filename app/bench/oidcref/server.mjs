// The reference server lkbench measures beside Latchkey: node-oidc-provider
// in the configuration its users would pick for speed. It is a benchmark
// fixture only (never part of the product) and is started by lkbench as
//
//   node server.mjs PORT opaque|jwt CLIENT_ID CLIENT_SECRET
//
// opaque: client_credentials tokens are opaque handles in the provider's
// in-memory adapter (its fastest mode). jwt: the same tokens are ES256
// JWTs for a resource server (resource indicators), as Latchkey issues them.
// It prints "ready" on stdout once it listens on 127.0.0.1:PORT.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, mode, clientId, clientSecret] = process.argv.slice(2);
if (!port || !['opaque', 'jwt'].includes(mode) || !clientId || !clientSecret) {
  console.error('usage: node server.mjs PORT opaque|jwt CLIENT_ID CLIENT_SECRET');
  process.exit(2);
}

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };
const resource = 'https://api.bench.example';

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    scope: 'orders:read',
  }],
  jwks: { keys: [jwk] },
  scopes: ['orders:read'],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => (mode === 'jwt' ? resource : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'orders:read',
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const server = provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
