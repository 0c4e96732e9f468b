// A ChatGPT-style client of POST /api/chat: the same fetch + getReader() loop a front end
// would use to read the SSE stream. The page's <body data-auth> says how this service
// authenticates: "jwt" (sign in or register), "api_key" (paste a key) or "none".
import { renderMarkdown } from "./markdown.js";

const AUTH = document.body.dataset.auth;
const STORAGE_KEY = "playground-credential"; // sessionStorage: this tab only
const REFRESH_KEY = "playground-refresh"; // jwt: renews the short-lived access token
const $ = (id) => document.getElementById(id);
const log = $("log");
const composer = $("composer");
const prompt = $("prompt");
const sendButton = $("send");
const stopButton = $("stop");
const signIn = $("sign-in");
const status = $("status");
// With a knowledge base the page has a documents panel, which knowledge.js runs.
const knowledge = $("knowledge") ? await import("./knowledge.js") : null;
knowledge?.start(authHeaders);

let conversationId = null;
let controller = null;

// --- Who is calling ----------------------------------------------------------------------

function credential() {
  return sessionStorage.getItem(STORAGE_KEY);
}

function authHeaders() {
  const value = credential();
  if (!value || AUTH === "none") return {};
  return AUTH === "jwt" ? { Authorization: `Bearer ${value}` } : { "X-API-Key": value };
}

function showStatus(message) {
  status.textContent = message;
  status.hidden = !message;
}

function showSignedIn(label) {
  const signedIn = AUTH === "none" || Boolean(credential());
  if (signIn) signIn.hidden = signedIn;
  $("chat").hidden = !signedIn;
  $("account").hidden = AUTH === "none" || !signedIn;
  $("who").textContent = label || sessionStorage.getItem(`${STORAGE_KEY}-label`) || "";
  if (signedIn) {
    prompt.focus();
    knowledge?.refresh();
  } else {
    knowledge?.clear();
  }
}

function signOut(message = "", { revoke = true } = {}) {
  if (revoke && AUTH === "jwt" && credential()) {
    // Ends the session on the server too; the page forgets it whatever the answer.
    fetch("/api/auth/logout", { method: "POST", headers: authHeaders() }).catch(() => {});
  }
  sessionStorage.removeItem(STORAGE_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  sessionStorage.removeItem(`${STORAGE_KEY}-label`);
  conversationId = null;
  log.replaceChildren();
  showStatus(message);
  showSignedIn();
}

async function errorMessage(response) {
  const body = await response.json().catch(() => ({}));
  return body.message || `${response.status} ${response.statusText}`;
}

async function logIn(email, password, register) {
  if (register) {
    const created = await fetch("/api/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (!created.ok) throw new Error(await errorMessage(created));
  }
  const response = await fetch("/api/auth/token", {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
  if (!response.ok) throw new Error(await errorMessage(response));
  return keepTokens(await response.json());
}

function keepTokens(tokens) {
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  return tokens.access_token;
}

// jwt: a new token pair for the refresh token (each is used once); false when it is gone.
async function renewed() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (AUTH !== "jwt" || !refreshToken) return false;
  const response = await fetch("/api/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  if (!response.ok) return false;
  sessionStorage.setItem(STORAGE_KEY, keepTokens(await response.json()));
  return true;
}

async function checkKey(key) {
  const response = await fetch("/api/conversations?limit=1", { headers: { "X-API-Key": key } });
  if (!response.ok) throw new Error(await errorMessage(response));
  return key;
}

signIn?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const buttons = signIn.querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  try {
    let value;
    let label;
    if (AUTH === "jwt") {
      const email = $("email").value.trim();
      value = await logIn(email, $("password").value, event.submitter?.value === "register");
      label = email;
    } else {
      value = await checkKey($("api-key").value.trim());
      label = "API key";
    }
    sessionStorage.setItem(STORAGE_KEY, value);
    sessionStorage.setItem(`${STORAGE_KEY}-label`, label);
    signIn.reset();
    showStatus("");
    showSignedIn(label);
  } catch (error) {
    showStatus(error.message);
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
});
$("sign-out").addEventListener("click", () => signOut());

// --- Chat ----------------------------------------------------------------------------------

function addMessage(role, text = "") {
  const div = document.createElement("div");
  div.className = `message ${role}`;
  div.textContent = text;
  log.appendChild(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

function showAnswer(node, text) {
  node.replaceChildren(...renderMarkdown(text));
  node.scrollIntoView({ block: "end" });
}

function markFailed(node, message) {
  node.classList.add("error");
  node.appendChild(document.createElement("p")).textContent = message;
}

// Yields the `data:` payload of each SSE event; ": ping" keep-alive comments carry none.
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const blocks = buffer.split("\n\n");
    buffer = blocks.pop();
    for (const block of blocks) {
      const line = block.split("\n").find((l) => l.startsWith("data: "));
      if (line) yield line.slice(6);
    }
  }
}

async function send(text) {
  addMessage("user", text);
  const answer = addMessage("assistant");
  controller = new AbortController();
  sendButton.disabled = true;
  stopButton.disabled = false;
  let content = "";
  const body = JSON.stringify({
    messages: [{ role: "user", content: text }],
    stream: true,
    conversation_id: conversationId,
    use_knowledge: knowledge?.enabled() ?? false,
  });
  const ask = () => fetch("/api/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body,
    signal: controller.signal,
  });
  try {
    let response = await ask();
    if (response.status === 401 && (await renewed())) response = await ask();
    if (response.status === 401 && AUTH !== "none") {
      signOut(`${await errorMessage(response)}: sign in again.`, { revoke: false });
      return;
    }
    if (!response.ok) {
      markFailed(answer, await errorMessage(response));
      return;
    }
    conversationId = response.headers.get("X-Conversation-Id") || conversationId;
    for await (const data of events(response)) {
      if (data === "[DONE]") break;
      const payload = JSON.parse(data);
      if (payload.error) {
        markFailed(answer, payload.error);
        break;
      }
      if (payload.citations) knowledge?.showCitations(answer, payload.citations);
      if (payload.content) {
        content += payload.content;
        showAnswer(answer, content);
      }
    }
  } catch (error) {
    if (error.name === "AbortError") {
      answer.classList.add("stopped");
    } else {
      markFailed(answer, error.message);
    }
  } finally {
    sendButton.disabled = false;
    stopButton.disabled = true;
    controller = null;
  }
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = prompt.value.trim();
  if (!text || controller) return;
  prompt.value = "";
  send(text);
});
prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
stopButton.addEventListener("click", () => controller?.abort());
$("new-chat").addEventListener("click", () => {
  conversationId = null;
  log.replaceChildren();
  prompt.focus();
});

showSignedIn();
