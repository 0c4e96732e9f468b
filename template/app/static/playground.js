// A minimal ChatGPT-style client of POST /api/chat: the same fetch + getReader() loop a
// front end would use to read the SSE stream.
const log = document.getElementById("log");
const form = document.getElementById("composer");
const prompt = document.getElementById("prompt");
const sendButton = document.getElementById("send");
const stopButton = document.getElementById("stop");
const credential = document.getElementById("credential");
credential.value = localStorage.getItem("playground-credential") || "";
credential.addEventListener("change", () => localStorage.setItem("playground-credential", credential.value));

let conversationId = null;
let controller = null;

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = `message ${role}`;
  div.textContent = text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  return div;
}

async function send(text) {
  addMessage("user", text);
  const answer = addMessage("assistant", "");
  controller = new AbortController();
  sendButton.disabled = true;
  stopButton.disabled = false;
  const headers = { "Content-Type": "application/json" };
  if (credential.value) headers.Authorization = `Bearer ${credential.value}`;
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers,
      body: JSON.stringify({ messages: [{ role: "user", content: text }], stream: true, conversation_id: conversationId }),
      signal: controller.signal,
    });
    if (!response.ok) {
      const error = await response.json().catch(() => ({ message: response.statusText }));
      answer.classList.add("error");
      answer.textContent = `${response.status}: ${error.message}`;
      return;
    }
    conversationId = response.headers.get("X-Conversation-Id") || conversationId;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const events = buffer.split("\n\n");
      buffer = events.pop();
      for (const event of events) {
        const line = event.split("\n").find((l) => l.startsWith("data: "));
        if (!line) continue; // keep-alive comment
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const payload = JSON.parse(data);
        if (payload.error) {
          answer.classList.add("error");
          answer.textContent += `\n[${payload.error}]`;
          return;
        }
        answer.textContent += payload.content;
        log.scrollTop = log.scrollHeight;
      }
    }
  } catch (error) {
    if (error.name !== "AbortError") {
      answer.classList.add("error");
      answer.textContent += `\n[${error.message}]`;
    }
  } finally {
    sendButton.disabled = false;
    stopButton.disabled = true;
    controller = null;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = prompt.value.trim();
  if (!text || controller) return;
  prompt.value = "";
  send(text);
});
prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});
stopButton.addEventListener("click", () => controller && controller.abort());
document.getElementById("new-chat").addEventListener("click", () => {
  conversationId = null;
  log.replaceChildren();
});
