// i18n.js — the tiny English / Simplified Chinese table for the chat page and the admin panel.
// It picks the language (saved choice, else navigator.language), translates keys with t(key, params),
// fills every element marked data-i18n / data-i18n-placeholder / -title / -aria-label, and keeps
// <html lang> in step. It does not format numbers or dates (callers use Intl with lang()), and it
// never parses HTML: all strings are set with textContent or as attributes.

const STORAGE_KEY = "mygallery.lang";
export const LANGUAGES = ["en", "zh-CN"];

const TABLE = {
  en: {
    "lang.switch": "中文",
    "lang.switch_label": "Switch language to Chinese",
    "app.title": "UEC Knowledge Gallery",
    "app.page_title": "UEC Knowledge Gallery",
    "app.tagline": "Ask me anything about the Ultra Ethernet Consortium specifications.",
    "app.menu": "Conversations",
    "app.admin_link": "Admin",
    "chat.new": "New chat",
    "chat.conversations": "Conversations",
    "chat.no_conversations": "No conversations yet.",
    "chat.delete": "Delete conversation",
    "chat.expired": "expired",
    "chat.placeholder": "Ask a question about UEC… (Enter to send, Shift+Enter for a new line)",
    "chat.question_label": "Your question",
    "chat.send": "Send",
    "chat.sending": "Answering…",
    "chat.welcome_title": "Ask me anything about UEC",
    "chat.welcome_body": "Answers are drawn from the bundled UEC documents; every claim cites its source [n].",
    "chat.examples": "Try one of these:",
    "chat.you": "You",
    "chat.assistant": "Assistant",
    "chat.copy": "Copy",
    "chat.copied": "Copied",
    "chat.copy_failed": "Copy failed",
    "chat.show_sources": "Show sources",
    "chat.thinking": "Searching the documents…",
    "chat.failed": "No answer — see the message above.",
    "chat.loading_history": "Loading conversation…",
    "chat.backend": "Backend",
    "chat.latency": "Latency",
    "chat.cite_label": "Source {n}",
    "sources.title": "Sources",
    "sources.empty": "The sources of an answer appear here. Click a citation like [1] to jump to it.",
    "sources.page": "Page {page}",
    "sources.score": "Score {score}",
    "sources.section": "Section",
    "notice.session_expired": "The previous conversation had expired on the server, so this question started a new one.",
    "notice.conversation_full": "The previous conversation had reached its length limit, so this question started a new one.",
    "error.offline": "You are offline. Check your network connection and try again.",
    "error.network": "Cannot reach the server. Check your connection and try again.",
    "error.rate_limited": "Too many requests. Please wait a moment and try again.",
    "error.too_many_sessions": "Too many active sessions on the server. Please try again later.",
    "error.retry_after": "You can retry in {seconds} s.",
    "error.not_ready": "The service is not ready yet (the document index is still loading). Please try again shortly.",
    "error.store_unavailable": "The conversation store is unavailable for the moment. Please try again shortly.",
    "error.bad_request": "The request was not accepted.",
    "error.too_large": "The question is too long.",
    "error.server": "The server had a problem (HTTP {status}). Please try again.",
    "error.stream": "The answer stream was interrupted.",
    "error.session_expired": "That conversation has expired on the server and was removed from the list.",
    "error.delete_failed": "Could not delete the conversation.",
    "error.unknown": "Something went wrong.",
    "error.dismiss": "Dismiss",
    "admin.page_title": "UEC Knowledge Gallery — Admin",
    "admin.title": "Admin panel",
    "admin.back": "Back to chat",
    "admin.status": "Status",
    "admin.status_ok": "ok",
    "admin.status_loading": "loading…",
    "admin.last_updated": "Last updated",
    "admin.never": "never",
    "admin.version": "Version",
    "admin.token_title": "Admin token required",
    "admin.token_help": "This server requires an admin token. It is kept in this browser tab only.",
    "admin.token_label": "Admin token",
    "admin.token_submit": "Sign in",
    "admin.token_clear": "Forget token",
    "admin.token_rejected": "The token was rejected.",
    "admin.auth_required": "authentication required",
    "admin.section_system": "System",
    "admin.section_traffic": "Traffic",
    "admin.section_index": "Index & backends",
    "admin.cpu": "CPU",
    "admin.memory": "Memory",
    "admin.disk": "Disk",
    "admin.rss": "Process memory (RSS)",
    "admin.uptime": "Uptime",
    "admin.sessions_active": "Active sessions",
    "admin.requests_total": "Requests",
    "admin.rate": "Request rate",
    "admin.per_min": "/min",
    "admin.error_rate": "Error rate",
    "admin.errors": "{n} errors",
    "admin.p50": "Latency p50",
    "admin.p95": "Latency p95",
    "admin.p99": "Latency p99",
    "admin.docs": "Documents",
    "admin.chunks": "Chunks",
    "admin.built_at": "Index built",
    "admin.backend": "Answer backend",
    "admin.answer_processes": "Answer processes (alive / started · own memory)",
    "admin.embedding": "Embedding",
    "admin.fallbacks": "Fallbacks",
    "admin.chart_latency": "Latency over the last hour",
    "admin.chart_sessions": "Active sessions over the last hour",
    "admin.axis_time": "Time (last hour)",
    "admin.axis_ms": "ms",
    "admin.axis_sessions": "sessions",
    "admin.no_data": "No data yet",
    "admin.sessions_title": "Sessions",
    "admin.col_id": "Session",
    "admin.col_age": "Age",
    "admin.col_idle": "Idle",
    "admin.col_messages": "Messages",
    "admin.no_sessions": "No active sessions.",
    "app.skip": "Skip to the question box",
    "app.version": "Version {version}",
    "chat.example_1": "What is packet trimming and why does UEC use it?",
    "chat.example_2": "How do the delivery modes RUD, ROD, RUDI and UUD differ?",
    "chat.example_3": "How does NSCC differ from RCCC?",
    "chat.untitled": "New conversation",
    "chat.answer_done": "Answer complete.",
    "chat.notice": "Note:",
    "sources.close": "Close sources",
    "sources.doc": "Document",
    "error.conversation_expired": "That conversation has expired on the server; its messages are no longer available.",
    "error.empty_question": "Please type a question first.",
    "error.busy": "This conversation is still answering an earlier question. Please wait a moment and try again.",
    "admin.threads": "Threads",
    "admin.tokenizer": "Tokenizer",
    "admin.by_status": "Responses by status",
    "admin.answers_by_backend": "Answers by backend",
    "admin.session_timeout": "Idle timeout",
    "admin.latency_window": "over the last {window}",
    "admin.server_time": "Server time",
    "admin.status_error": "unreachable",
    "admin.fetch_failed": "Cannot load the statistics: {message}",
    "admin.auto_refresh": "Refreshes every 5 s",
    "admin.series_p50": "p50",
    "admin.series_p95": "p95",
    "duration.s": "{s} s",
    "duration.m": "{m} min",
    "duration.h": "{h} h",
    "duration.d": "{d} d",
    "duration.ms": "{m} min {s} s",
    "duration.hm": "{h} h {m} min",
    "duration.dh": "{d} d {h} h",
  },
  "zh-CN": {
    "lang.switch": "English",
    "lang.switch_label": "切换为英文",
    "app.title": "UEC 知识库",
    "app.page_title": "UEC 知识库",
    "app.tagline": "关于超以太网联盟（UEC）规范，尽管问我。",
    "app.menu": "对话",
    "app.admin_link": "管理",
    "chat.new": "新对话",
    "chat.conversations": "对话",
    "chat.no_conversations": "还没有对话。",
    "chat.delete": "删除对话",
    "chat.expired": "已过期",
    "chat.placeholder": "输入关于 UEC 的问题…（Enter 发送，Shift+Enter 换行）",
    "chat.question_label": "你的问题",
    "chat.send": "发送",
    "chat.sending": "回答中…",
    "chat.welcome_title": "关于 UEC，尽管问我",
    "chat.welcome_body": "回答来自内置的 UEC 文档，每个结论都标注来源 [n]。",
    "chat.examples": "试试这些问题：",
    "chat.you": "你",
    "chat.assistant": "助手",
    "chat.copy": "复制",
    "chat.copied": "已复制",
    "chat.copy_failed": "复制失败",
    "chat.show_sources": "查看来源",
    "chat.thinking": "正在检索文档…",
    "chat.failed": "没有得到回答，请看上方的提示。",
    "chat.loading_history": "正在加载对话…",
    "chat.backend": "后端",
    "chat.latency": "耗时",
    "chat.cite_label": "来源 {n}",
    "sources.title": "来源",
    "sources.empty": "回答的来源会显示在这里。点击 [1] 这样的引用可跳转到对应来源。",
    "sources.page": "第 {page} 页",
    "sources.score": "相关度 {score}",
    "sources.section": "章节",
    "notice.session_expired": "之前的对话已在服务器上过期，本问题已开始新的对话。",
    "notice.conversation_full": "之前的对话已达到长度上限，本问题已开始新的对话。",
    "error.offline": "你已离线，请检查网络连接后重试。",
    "error.network": "无法连接服务器，请检查网络后重试。",
    "error.rate_limited": "请求过于频繁，请稍后再试。",
    "error.too_many_sessions": "服务器上的活动会话过多，请稍后再试。",
    "error.retry_after": "可在 {seconds} 秒后重试。",
    "error.not_ready": "服务尚未就绪（文档索引仍在加载），请稍后再试。",
    "error.store_unavailable": "会话存储暂时不可用，请稍后再试。",
    "error.bad_request": "请求未被接受。",
    "error.too_large": "问题太长了。",
    "error.server": "服务器出现问题（HTTP {status}），请重试。",
    "error.stream": "回答流被中断。",
    "error.session_expired": "该对话已在服务器上过期，已从列表中移除。",
    "error.delete_failed": "无法删除该对话。",
    "error.unknown": "出了点问题。",
    "error.dismiss": "关闭",
    "admin.page_title": "UEC 知识库 — 管理",
    "admin.title": "管理面板",
    "admin.back": "返回对话",
    "admin.status": "状态",
    "admin.status_ok": "正常",
    "admin.status_loading": "加载中…",
    "admin.last_updated": "最后更新",
    "admin.never": "从未",
    "admin.version": "版本",
    "admin.token_title": "需要管理令牌",
    "admin.token_help": "此服务器需要管理令牌。令牌只保存在当前浏览器标签页中。",
    "admin.token_label": "管理令牌",
    "admin.token_submit": "登录",
    "admin.token_clear": "清除令牌",
    "admin.token_rejected": "令牌被拒绝。",
    "admin.auth_required": "需要认证",
    "admin.section_system": "系统",
    "admin.section_traffic": "流量",
    "admin.section_index": "索引与后端",
    "admin.cpu": "CPU",
    "admin.memory": "内存",
    "admin.disk": "磁盘",
    "admin.rss": "进程内存（RSS）",
    "admin.uptime": "运行时间",
    "admin.sessions_active": "活动会话",
    "admin.requests_total": "请求总数",
    "admin.rate": "请求速率",
    "admin.per_min": "/分钟",
    "admin.error_rate": "错误率",
    "admin.errors": "{n} 个错误",
    "admin.p50": "延迟 p50",
    "admin.p95": "延迟 p95",
    "admin.p99": "延迟 p99",
    "admin.docs": "文档数",
    "admin.chunks": "分块数",
    "admin.built_at": "索引构建时间",
    "admin.backend": "回答后端",
    "admin.answer_processes": "回答进程（存活 / 已启动 · 独占内存）",
    "admin.embedding": "向量模型",
    "admin.fallbacks": "回退次数",
    "admin.chart_latency": "最近一小时的延迟",
    "admin.chart_sessions": "最近一小时的活动会话",
    "admin.axis_time": "时间（最近一小时）",
    "admin.axis_ms": "毫秒",
    "admin.axis_sessions": "会话",
    "admin.no_data": "暂无数据",
    "admin.sessions_title": "会话",
    "admin.col_id": "会话",
    "admin.col_age": "存在时间",
    "admin.col_idle": "空闲",
    "admin.col_messages": "消息数",
    "admin.no_sessions": "没有活动会话。",
    "app.skip": "跳到提问框",
    "app.version": "版本 {version}",
    "chat.example_1": "什么是数据包裁剪（packet trimming）？UEC 为什么使用它？",
    "chat.example_2": "RUD、ROD、RUDI 和 UUD 这几种传输模式有什么区别？",
    "chat.example_3": "NSCC 和 RCCC 有什么区别？",
    "chat.untitled": "新对话",
    "chat.answer_done": "回答完成。",
    "chat.notice": "提示：",
    "sources.close": "关闭来源",
    "sources.doc": "文档",
    "error.conversation_expired": "该对话已在服务器上过期，其中的消息已无法查看。",
    "error.empty_question": "请先输入问题。",
    "error.busy": "该对话仍在回答上一个问题，请稍候再试。",
    "admin.threads": "线程数",
    "admin.tokenizer": "分词器",
    "admin.by_status": "按状态码统计的响应",
    "admin.answers_by_backend": "各后端的回答数",
    "admin.session_timeout": "空闲超时",
    "admin.latency_window": "统计窗口：最近 {window}",
    "admin.server_time": "服务器时间",
    "admin.status_error": "无法连接",
    "admin.fetch_failed": "无法加载统计数据：{message}",
    "admin.auto_refresh": "每 5 秒刷新一次",
    "admin.series_p50": "p50",
    "admin.series_p95": "p95",
    "duration.s": "{s} 秒",
    "duration.m": "{m} 分钟",
    "duration.h": "{h} 小时",
    "duration.d": "{d} 天",
    "duration.ms": "{m} 分 {s} 秒",
    "duration.hm": "{h} 小时 {m} 分",
    "duration.dh": "{d} 天 {h} 小时",
  },
};

const listeners = new Set();
let current = initialLanguage();

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (private mode, policy); fall back to the browser language.
  }
  if (LANGUAGES.includes(saved)) return saved;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return preferred.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** The current language code: "en" or "zh-CN". */
export function lang() {
  return current;
}

/** Translate key; {name} placeholders are filled from params. Unknown keys fall back to English, then the key. */
export function t(key, params = {}) {
  const text = TABLE[current][key] ?? TABLE.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Fill every data-i18n* element under root (default: the whole document) and set <html lang>. */
export function applyTranslations(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
}

/** Switch language, remember the choice, re-render static labels and tell listeners. */
export function setLang(next) {
  if (!LANGUAGES.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not fatal: the choice just is not remembered.
  }
  applyTranslations();
  for (const listener of listeners) listener(next);
}

/** Call listener(lang) after every language change (for dynamic content that is not data-i18n). */
export function onLangChange(listener) {
  listeners.add(listener);
}

/** Wire a toggle button (en <-> zh-CN) and apply the initial translation. */
export function initLanguageToggle(button) {
  applyTranslations();
  if (button) button.addEventListener("click", () => setLang(current === "en" ? "zh-CN" : "en"));
}
