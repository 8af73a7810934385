export {
  cohortMiniPoolsAbi,
  cohortOracleAbi,
  cohortPoolAbi,
  cohortRegistryAbi,
  cohortTokenAbi,
  depositContractAbi,
} from "./contracts.generated.js";
