// The record factories live with the contract suites (src/extend/contract), which use them too.
export { at, makeCost, makeRecord } from '../../src/extend/contract/records.js';
