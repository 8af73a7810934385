import "@rainbow-me/rainbowkit/styles.css";
import "./index.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ConfigErrorScreen } from "./layout/ConfigErrorScreen";
import { type ChainChoice, chainsFromEnv } from "./wallet/chains";

const root = createRoot(document.getElementById("root")!);

let chains: ChainChoice[] | undefined;
let configError: string | undefined;
try {
  chains = chainsFromEnv(import.meta.env);
} catch (e) {
  // A misconfigured build should say what to fix instead of rendering a blank page.
  configError = e instanceof Error ? e.message : String(e);
}

root.render(
  <StrictMode>{chains ? <App chains={chains} /> : <ConfigErrorScreen message={configError ?? ""} />}</StrictMode>,
);
