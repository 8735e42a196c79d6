'use strict';

const express = require('express');
const { greetingLine } = require('./greeting');

function createApp() {
  const app = express();
  app.disable('x-powered-by');

  app.get('/', (req, res) => {
    res.type('text/plain').send(`${greetingLine()}\n`);
  });

  app.get('/healthz', (req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get('/hello/:name', (req, res) => {
    try {
      res.json({ message: greetingLine(req.params.name) });
    } catch (err) {
      res.status(400).json({ error: err.message });
    }
  });

  return app;
}

module.exports = { createApp };
