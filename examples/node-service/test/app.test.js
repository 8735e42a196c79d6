'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const request = require('supertest');
const { createApp } = require('../src/app');

const app = createApp();

test('GET / greets', async () => {
  const res = await request(app).get('/');
  assert.equal(res.status, 200);
  assert.equal(res.text, 'hello from node-service\n');
});

test('GET /healthz is ok', async () => {
  const res = await request(app).get('/healthz');
  assert.equal(res.status, 200);
  assert.equal(res.text.trim(), 'ok');
});

test('GET /hello/:name returns JSON', async () => {
  const res = await request(app).get('/hello/Grace');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { message: 'hello Grace, from node-service' });
});

test('unknown paths are 404', async () => {
  const res = await request(app).get('/nope');
  assert.equal(res.status, 404);
});
