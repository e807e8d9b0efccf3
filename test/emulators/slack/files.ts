// The three-step upload WebClient.filesUploadV2 performs: get a URL, POST the bytes, complete.
import { insertMessage } from './chat.js';
import {
  type EmulatorState,
  fail,
  int,
  isRecord,
  jsonArg,
  type MethodHandler,
  nextId,
  ok,
  str,
  visibleChannel,
} from './model.js';

const getUploadURLExternal: MethodHandler = (args, ctx) => {
  const filename = str(args, 'filename');
  const length = int(args, 'length');
  if (filename === undefined || filename === '' || length === undefined) {
    return fail('invalid_arguments');
  }
  const id = nextId(ctx.state, 'F');
  ctx.state.files.set(id, {
    id,
    filename,
    title: filename,
    length,
    channels: [],
    user: ctx.caller,
    completed: false,
  });
  return ok({ upload_url: `${ctx.url}/upload/v1/${id}`, file_id: id });
};

/**
 * Body of `POST /upload/v1/:id`. WebClient sends the bytes as multipart/form-data (field `body`,
 * because it wraps the Buffer in an object); a raw body is accepted too.
 */
export async function receiveUpload(
  state: EmulatorState,
  fileId: string,
  contentType: string | undefined,
  body: Buffer,
): Promise<boolean> {
  const file = state.files.get(fileId);
  if (file === undefined) return false;
  if (contentType?.startsWith('multipart/form-data')) {
    // Request.formData() is undici's multipart parser; it saves writing one here.
    const form = await new Request('http://upload.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).formData();
    const part = [...form.values()][0];
    file.content = typeof part === 'string' ? part : part === undefined ? '' : await part.text();
  } else {
    file.content = body.toString('utf8');
  }
  return true;
}

const completeUploadExternal: MethodHandler = (args, ctx) => {
  const parsed = jsonArg(args, 'files');
  if (parsed === undefined || 'invalid' in parsed || !Array.isArray(parsed.value)) {
    return fail('invalid_arguments');
  }
  const entries = parsed.value.filter(isRecord);
  const files = entries.map((entry) => ctx.state.files.get(String(entry.id)));
  if (entries.length === 0 || files.some((f) => f === undefined || f.content === undefined)) {
    return fail('file_not_found');
  }
  const channelRef = str(args, 'channel_id') ?? str(args, 'channels');
  const channel = channelRef === undefined ? undefined : visibleChannel(ctx, channelRef);
  if (channelRef !== undefined && channel === undefined) return fail('channel_not_found');
  if (channel?.is_archived) return fail('is_archived');
  const threadTs = str(args, 'thread_ts');
  const comment = str(args, 'initial_comment');
  const completed = files.flatMap((file, i) => {
    if (file === undefined) return [];
    const title = entries[i]?.title;
    if (typeof title === 'string' && title !== '') file.title = title;
    file.completed = true;
    if (channel !== undefined) file.channels.push(channel.id);
    if (threadTs !== undefined) file.thread_ts = threadTs;
    if (comment !== undefined) file.initial_comment = comment;
    return [file];
  });
  if (channel !== undefined) {
    // Sharing a file posts a message carrying the files, like a user upload does.
    insertMessage(ctx.state, ctx.now(), {
      channel: channel.id,
      user: ctx.caller,
      text: comment ?? '',
      subtype: 'file_share',
      files: completed.map((f) => ({ id: f.id, name: f.filename, title: f.title })),
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    });
  }
  return ok({
    files: completed.map((f) => ({
      id: f.id,
      name: f.filename,
      title: f.title,
      size: f.length,
      user: f.user,
      channels: f.channels,
    })),
  });
};

export const fileMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadURLExternal,
  'files.completeUploadExternal': completeUploadExternal,
};
