/** `skein lab up --start --groups n4=db,admin`: the option's parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeGroups } from '../../src/cli/commands/lab.js';
import { isSkeinError, ErrorCodes } from '../../src/util/errors.js';

test('--groups NODE=GROUP[,GROUP...], repeatable; anything else is a usage error', () => {
  assert.deepEqual(parseNodeGroups([]), {});
  assert.deepEqual(parseNodeGroups(['n1=web', 'n4=db,admin', 'n1=ops']), { n1: ['web', 'ops'], n4: ['db', 'admin'] });
  for (const bad of ['n1', '=web', 'n1=', 'n1=a=b', 'n1 = web']) {
    assert.throws(() => parseNodeGroups([bad]), (e) => isSkeinError(e, ErrorCodes.USAGE), bad);
  }
});
