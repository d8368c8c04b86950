// Rehearse grading: runs activity2_template.ijm the way the grader runs it,
// twice in a row, with the argument "<input folder>|<output folder>" and an
// empty folder "rehearsal" next to this file. Keep this file next to your macro
// and run it in Fiji (Plugins > Macros > Run...). Then compare rehearsal/ with
// output/: only what your macro saves into rehearsal/ counts when it is graded.
dir = File.getDirectory(getInfo("macro.filepath"));
out = dir + "rehearsal" + File.separator;
File.makeDirectory(out);
old = getFileList(out);
for (i = 0; i < old.length; i++)
	ok = File.delete(out + old[i]);
runMacro(dir + "activity2_template.ijm", dir + "|" + out);
runMacro(dir + "activity2_template.ijm", dir + "|" + out);
saved = getFileList(out);
names = "";
for (i = 0; i < saved.length; i++)
	names = names + " " + saved[i];
print("Rehearsal done. rehearsal/ holds:" + names);
