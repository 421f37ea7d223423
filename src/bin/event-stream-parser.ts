/** One server-sent event: its type (`message` when it named none), data and id. */
export interface StreamEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules chorebot's streams need): feed
 * it text as it arrives, in pieces of any size; it calls `onEvent` for each complete event.
 * Comment lines (`: keep-alive`) and `retry:` are skipped; several `data:` lines are joined
 * with line breaks.
 */
export function eventStreamParser(onEvent: (event: StreamEvent) => void): (text: string) => void {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | null = null;
  const line = (text: string) => {
    if (text === "") {
      if (data.length > 0) onEvent({ event: event || "message", data: data.join("\n"), id });
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  };
  return (text) => {
    buffer += text;
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const breakLength = buffer.startsWith("\r\n", end) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (buffer[end] === "\r" && breakLength === 1 && end === buffer.length - 1) break;
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + breakLength);
    }
  };
}
