'use strict';

const SERVICE_NAME = 'node-service';
const MAX_NAME_LENGTH = 64;

function normaliseName(raw) {
  const cleaned = String(raw ?? '').trim().split(/\s+/).filter(Boolean).join(' ');
  if (cleaned === '') {
    throw new RangeError('name must not be empty');
  }
  return cleaned.slice(0, MAX_NAME_LENGTH);
}

function greetingLine(name) {
  if (name === undefined) {
    return `hello from ${SERVICE_NAME}`;
  }
  return `hello ${normaliseName(name)}, from ${SERVICE_NAME}`;
}

module.exports = { SERVICE_NAME, MAX_NAME_LENGTH, normaliseName, greetingLine };
