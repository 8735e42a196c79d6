'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { greetingLine, normaliseName, MAX_NAME_LENGTH } = require('../src/greeting');

test('default greeting names the service', () => {
  assert.equal(greetingLine(), 'hello from node-service');
});

test('personal greeting collapses whitespace', () => {
  assert.equal(greetingLine('  Ada   Lovelace '), 'hello Ada Lovelace, from node-service');
});

test('empty names are rejected', () => {
  assert.throws(() => normaliseName('   '), RangeError);
});

test('long names are capped', () => {
  assert.equal(normaliseName('x'.repeat(500)).length, MAX_NAME_LENGTH);
});
