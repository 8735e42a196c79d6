'use strict';

const { createApp } = require('./app');
const { SERVICE_NAME } = require('./greeting');

const port = Number.parseInt(process.env.PORT || '8080', 10);
const server = createApp().listen(port, '0.0.0.0', () => {
  console.log(`${SERVICE_NAME} listening on :${port}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
