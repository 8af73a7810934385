export { cohortRegistryAbi, cohortTokenAbi } from "./contracts.generated.js";
