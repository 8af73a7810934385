export * from "./size.js";
