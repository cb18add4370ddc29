import http2 from "node:http2";

/**
 * Sends one Connect-protocol JSON request over a fresh HTTP/2 connection and
 * returns the status and parsed body: for inputs a typed client cannot even build.
 */
export async function postConnectJson(
  url: string,
  path: string,
  body: string,
): Promise<{ status: number; json: { code?: string; message?: string } & Record<string, unknown> }> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/json",
      });
      let status = 0;
      let text = "";
      stream.on("response", (headers) => (status = Number(headers[":status"])));
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => resolve({ status, json: text ? JSON.parse(text) : {} }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}
