// One MongoDB user per service, allowed only its own collections (files/mongodb-access.json).
// Run it with mongosh as an administrator of your deployment; it is idempotent (run it again
// after an upgrade that adds a collection, or to change a password):
//
//   CHAT_DB=chat CHAT_ACCESS=helm/files/mongodb-access.json \
//   MONGO_PASSWORD_AUTH=… MONGO_PASSWORD_USERS=… MONGO_PASSWORD_MESSAGING=… MONGO_PASSWORD_PRESENCE=… \
//   mongosh "mongodb://admin@host/admin" --file helm/files/mongodb-users.js
//
// Then give each service `mongodb://<service>:<password>@host/?authSource=<CHAT_DB>` through the
// chart's mongodb.serviceSecret. The users and roles live in CHAT_DB itself.
const dbName = process.env.CHAT_DB || 'chat';
const access = JSON.parse(require('fs').readFileSync(process.env.CHAT_ACCESS || 'helm/files/mongodb-access.json', 'utf8'));
const target = db.getSiblingDB(dbName);
// What Mongoose does with its own collections: read and write documents, create the collection
// and its indexes at start-up, list them to sync.
const actions = ['find', 'insert', 'update', 'remove', 'createCollection', 'createIndex', 'dropIndex', 'listIndexes', 'collStats'];
for (const [service, collections] of Object.entries(access)) {
  if (service === '//') continue;
  const password = process.env[`MONGO_PASSWORD_${service.toUpperCase()}`];
  if (!password) throw new Error(`MONGO_PASSWORD_${service.toUpperCase()} is not set`);
  const role = `chat-${service}`;
  const privileges = [
    ...collections.map((collection) => ({ resource: { db: dbName, collection }, actions })),
    { resource: { db: dbName, collection: '' }, actions: ['listCollections'] },
  ];
  if (target.getRole(role)) target.updateRole(role, { privileges, roles: [] });
  else target.createRole({ role, privileges, roles: [] });
  if (target.getUser(service)) target.updateUser(service, { pwd: password, roles: [{ role, db: dbName }] });
  else target.createUser({ user: service, pwd: password, roles: [{ role, db: dbName }] });
  print(`${service}: ${collections.join(', ')}`);
}
