// Runs dynalite as its own process, so tests and flows talk to it over HTTP like any DynamoDB endpoint.
const dynalite = require('dynalite');

const port = Number(process.argv[2]);
// Table state changes take effect at once, as they appear to do on an idle DynamoDB on-demand table.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(port, '127.0.0.1', () => console.log(`dynalite listening on 127.0.0.1:${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
