export * from "./ids.js";
export * from "./size.js";
