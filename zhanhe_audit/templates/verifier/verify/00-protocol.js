/* zhanhe-audit: the reviewer's verifier page (draw protocol v1).

A third implementation of the draw, beside the Python package and verify-task.sh, written
from docs/draw-protocol.md: it reads an archive folder the reviewer chooses, hashes with the
browser's own SHA-256 (WebCrypto), and recomputes the tickets, ranks, quotas, selection and
batches, the eligibility from the archived registers and params, the visits and their
inspectors, and the replacement records. It fetches nothing and writes nothing; every text it
shows goes through textContent. */
// ---- the protocol's constants (docs/draw-protocol.md, and the README's "Registers") ----
const PROTOCOL = 'draw-v1';
const GRADES = ['A', 'B', 'C', 'D'];
const FLOORS = { A: '1', B: '3', C: '10', D: '20' }; // Zhanhe plan, section 3.3
const REGISTERS = ['entities', 'items', 'inspectors', 'conflicts', 'tags'];
const COLUMNS = {
  entities: ['uscc', 'name', 'grade', 'tags', 'unit', 'status', 'established'],
  items: ['item_id', 'name', 'department', 'legal_basis', 'target_tags', 'kind'],
  inspectors: ['cert_no', 'name', 'department', 'unit', 'certified'],
  conflicts: ['cert_no', 'uscc', 'reason'],
  tags: ['code', 'name'],
};
const CHINESE_HEADERS = {
  entities: { 统一社会信用代码: 'uscc', 主体名称: 'name', 企业名称: 'name', 名称: 'name', 信用风险等级: 'grade',
    风险等级: 'grade', 信用风险分类: 'grade', 分类标注: 'tags', 标签: 'tags', 所属单位: 'unit', 管辖单位: 'unit',
    登记状态: 'status', 经营状态: 'status', 成立日期: 'established' },
  items: { 事项编号: 'item_id', 抽查事项编号: 'item_id', 事项名称: 'name', 抽查事项名称: 'name', 责任部门: 'department',
    实施部门: 'department', 检查依据: 'legal_basis', 法律依据: 'legal_basis', 检查对象范围: 'target_tags',
    适用对象标签: 'target_tags', 事项类别: 'kind', 事项类型: 'kind' },
  inspectors: { 执法证号: 'cert_no', 执法证件号: 'cert_no', 姓名: 'name', 所属部门: 'department', 所属单位: 'unit',
    是否持证: 'certified' },
  conflicts: { 执法证号: 'cert_no', 执法证件号: 'cert_no', 统一社会信用代码: 'uscc', 回避原因: 'reason' },
  tags: { 代码: 'code', 标签代码: 'code', 名称: 'name', 标签名称: 'name' },
};
const GRADE_LABELS = { 低风险: 'A', 中风险: 'B', 中高风险: 'C', 高风险: 'D' };
const ACTIVE = new Set(['active', '存续', '在业', '在营', '开业', '正常']);
const INACTIVE = new Set(['inactive', 'deregistered', 'revoked', 'moved_out', 'closed', '注销', '吊销', '迁出', '撤销',
  '停业', '歇业', '清算']);
const TRUE_WORDS = new Set(['是', 'yes', 'y', 'true', '1', '持证']);
const FALSE_WORDS = new Set(['否', 'no', 'n', 'false', '0', '未持证']);
const ALL_ENTITIES = '*';
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const RECORD_NAME = /^(\d{4,})-([a-z]+)$/;
const QUARTER = /^(demo-)?(\d{4})Q[1-4]$/;
// What Python's str.strip() and the \s of its re module take for white space (29 characters).
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const SPACES = new RegExp(`[${SPACE}]+`, 'g');
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/; // what Python's str.splitlines() splits at
