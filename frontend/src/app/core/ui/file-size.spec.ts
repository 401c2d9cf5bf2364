import { filesPreview } from '../../features/chat/sidebar';
import { fileSize } from './file-size';

describe('file sizes and previews of files', () => {
  it('reads sizes as people do', () => {
    expect(fileSize(18)).toBe('18 B');
    expect(fileSize(1536)).toBe('1.5 KB');
    expect(fileSize(25 * 1024 * 1024)).toBe('25 MB');
  });

  it('names a lone file or photo in the conversation list, and counts several', () => {
    expect(filesPreview([{ name: 'shot.png', thumbnailUrl: '/t' }])).toBe('Photo: shot.png');
    expect(filesPreview([{ name: 'spec.pdf', thumbnailUrl: null }])).toBe('File: spec.pdf');
    expect(filesPreview([{ name: 'a', thumbnailUrl: null }, { name: 'b', thumbnailUrl: null }])).toBe('2 files');
    expect(filesPreview([])).toBe('');
  });
});
