// The meter fixtures live with the meter contract suite (src/extend/contract), which uses them too.
export {
  FIXED_ESTIMATE,
  FIXED_ESTIMATE_COST,
  TestClock,
  usageRecord,
} from '../../../src/extend/contract/meter-fixtures.js';
