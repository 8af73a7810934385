import "../polyfill.js";
import { main, reportAndExit } from "./main.js";

main(process.argv.slice(2)).catch(reportAndExit);
