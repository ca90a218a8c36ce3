import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./config";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
void loadConfig().then((urls) => {
  createRoot(root).render(
    <StrictMode>
      <App urls={urls} />
    </StrictMode>,
  );
});
