"""GET /api/v1/docs: a self-contained page (no CDN, the network may be closed) rendering openapi.json."""

DOCS_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>公物仓 BPM API 文档</title>
<style>
body { font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0;
       color: #1f2933; background: #f5f7fa; }
header { background: #243b53; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 20px; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
pre.intro { white-space: pre-wrap; background: #fff; border: 1px solid #d9e2ec; padding: 12px; font-size: 13px; }
h2.tag { margin-top: 32px; border-bottom: 2px solid #bcccdc; padding-bottom: 4px; }
details.op { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; margin: 8px 0; }
details.op > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: center; }
.method { font-weight: bold; font-family: monospace; min-width: 64px; text-align: center; border-radius: 4px;
          color: #fff; padding: 2px 6px; }
.get { background: #2f80ed; } .post { background: #27ae60; } .put { background: #f2994a; }
.delete { background: #eb5757; } .patch { background: #9b51e0; }
.path { font-family: monospace; font-size: 15px; }
.lock { color: #829ab1; font-size: 12px; margin-left: auto; }
.body { padding: 4px 16px 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d9e2ec; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
code, .type { font-family: monospace; }
.req { color: #c0392b; }
.status { font-family: monospace; font-weight: bold; }
.nested { margin-left: 16px; }
#error { color: #c0392b; }
</style>
</head>
<body>
<header><h1>公物仓 BPM API 文档</h1><div id="meta"></div></header>
<main><p id="error"></p><pre class="intro" id="intro">正在加载 openapi.json ...</pre><div id="ops"></div></main>
<script>
"use strict";
var doc = null;
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function resolve(s) {
  var seen = 0;
  while (s && s["$ref"] && seen++ < 20) {
    var parts = s["$ref"].replace(/^#\\//, "").split("/"), node = doc;
    parts.forEach(function (p) { node = node ? node[p] : null; });
    s = node;
  }
  return s || {};
}
function typeOf(s) {
  var name = s && s["$ref"] ? s["$ref"].split("/").pop() : null;
  s = resolve(s);
  var t = s.type || (s.properties ? "object" : "any");
  if (t === "array") return "array<" + typeOf(s.items || {}) + ">";
  if (s.format) t += " (" + s.format + ")";
  if (s.nullable) t += " | null";
  return name ? name + " " + t : t;
}
function schemaTable(schema, depth) {
  var s = resolve(schema);
  if (s.type === "array" && s.items) s = resolve(s.items);
  var props = s.properties || {};
  var names = Object.keys(props);
  if (!names.length) return el("div", "type", typeOf(schema));
  var table = el("table"), head = el("tr");
  ["字段", "类型", "说明"].forEach(function (h) { head.appendChild(el("th", null, h)); });
  table.appendChild(head);
  var required = s.required || [];
  names.forEach(function (n) {
    var p = props[n], rp = resolve(p), tr = el("tr"), name = el("td");
    name.appendChild(el("code", null, n));
    if (required.indexOf(n) >= 0) name.appendChild(el("span", "req", " *"));
    tr.appendChild(name);
    tr.appendChild(el("td", "type", typeOf(p)));
    var desc = el("td", null, rp.description || "");
    if (rp["enum"]) desc.appendChild(el("div", null, "可选值: " + rp["enum"].join(", ")));
    if (rp.minimum !== undefined || rp.maximum !== undefined)
      desc.appendChild(el("div", null, "范围: " + (rp.minimum ?? "") + " .. " + (rp.maximum ?? "")));
    if (rp.maxLength !== undefined) desc.appendChild(el("div", null, "最长 " + rp.maxLength + " 个字符"));
    var inner = rp.type === "array" && rp.items ? resolve(rp.items) : rp;
    if (depth < 3 && inner.properties) {
      var sub = el("div", "nested");
      sub.appendChild(schemaTable(rp, depth + 1));
      desc.appendChild(sub);
    }
    tr.appendChild(desc);
    table.appendChild(tr);
  });
  return table;
}
function renderOperation(path, method, op) {
  var box = el("details", "op"), sum = el("summary");
  sum.appendChild(el("span", "method " + method, method.toUpperCase()));
  sum.appendChild(el("span", "path", path));
  sum.appendChild(el("span", null, op.summary || ""));
  var secured = !(op.security && op.security.length === 0);
  sum.appendChild(el("span", "lock", secured ? "需要 Bearer 令牌" : "公开"));
  box.appendChild(sum);
  var body = el("div", "body");
  if (op.description) body.appendChild(el("p", null, op.description));
  var params = op.parameters || [];
  if (params.length) {
    body.appendChild(el("h4", null, "参数"));
    var t = el("table"), h = el("tr");
    ["名称", "位置", "类型", "说明"].forEach(function (x) { h.appendChild(el("th", null, x)); });
    t.appendChild(h);
    params.forEach(function (p) {
      var tr = el("tr"), n = el("td");
      n.appendChild(el("code", null, p.name));
      if (p.required) n.appendChild(el("span", "req", " *"));
      tr.appendChild(n); tr.appendChild(el("td", null, p["in"]));
      tr.appendChild(el("td", "type", typeOf(p.schema || {})));
      var ps = resolve(p.schema || {}), d = p.description || ps.description || "";
      if (ps["enum"]) d += " 可选值: " + ps["enum"].join(", ");
      if (ps["default"] !== undefined) d += " 默认: " + ps["default"];
      tr.appendChild(el("td", null, d));
      t.appendChild(tr);
    });
    body.appendChild(t);
  }
  if (op.requestBody) {
    Object.keys(op.requestBody.content || {}).forEach(function (ct) {
      body.appendChild(el("h4", null, "请求体 (" + ct + ")"));
      body.appendChild(schemaTable(op.requestBody.content[ct].schema || {}, 0));
    });
  }
  body.appendChild(el("h4", null, "回答"));
  Object.keys(op.responses || {}).sort().forEach(function (code) {
    var r = op.responses[code], line = el("div");
    line.appendChild(el("span", "status", code + " "));
    line.appendChild(el("span", null, r.description || ""));
    body.appendChild(line);
    var content = r.content || {};
    Object.keys(content).forEach(function (ct) {
      if (code.charAt(0) === "2") body.appendChild(schemaTable(content[ct].schema || {}, 0));
      else line.appendChild(el("span", "type", "  " + typeOf(content[ct].schema || {})));
    });
  });
  box.appendChild(body);
  return box;
}
function render() {
  document.getElementById("meta").textContent = doc.info.title + " " + doc.info.version + " · OpenAPI " + doc.openapi;
  document.getElementById("intro").textContent = doc.info.description || "";
  var groups = {}, order = [];
  Object.keys(doc.paths).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method], tag = (op.tags || ["其他"])[0];
      if (!groups[tag]) { groups[tag] = []; order.push(tag); }
      groups[tag].push([path, method, op]);
    });
  });
  var root = document.getElementById("ops"), tagText = {};
  (doc.tags || []).forEach(function (t) { tagText[t.name] = t.description; });
  order.forEach(function (tag) {
    root.appendChild(el("h2", "tag", tagText[tag] ? tag + " · " + tagText[tag] : tag));
    groups[tag].forEach(function (x) { root.appendChild(renderOperation(x[0], x[1], x[2])); });
  });
  root.appendChild(el("h2", "tag", "错误体 Error"));
  root.appendChild(schemaTable({"$ref": "#/components/schemas/Error"}, 0));
}
fetch("openapi.json").then(function (r) {
  if (!r.ok) throw new Error("HTTP " + r.status);
  return r.json();
}).then(function (d) { doc = d; render(); }).catch(function (e) {
  document.getElementById("error").textContent = "无法加载 openapi.json: " + e.message;
});
</script>
</body>
</html>
"""
