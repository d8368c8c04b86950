"""The class grader's messages: notes in a graded notebook's feedback and the
instructor's command line.

Codes ``classroom.*`` (:mod:`outputsaving.classroom` and ``outputsaving
grade``) and ``literals.*`` (the audit's check of answers typed as plain
values). Part of the one catalogue, :data:`outputsaving.messages.MESSAGES`;
fill them with :func:`outputsaving.messages.fill`.
"""

from outputsaving.messages.severity import E, N

MESSAGES: dict[str, tuple[str, str]] = {
    # -- class grading: engine (outputsaving.classroom.engine) -----------------
    "classroom.time_budget": (
        E,
        "Your notebook ran for longer than the {budget} it is given when graded, "
        "so this cell and the ones after it were not run and score 0. Look for a "
        "loop that never ends or a step that does far more work than the task needs.",
    ),
    "classroom.memory_limit": (
        E,
        "Your notebook needed more than the {limit} of memory it is given when "
        "graded, so this cell and the ones after it were not run and score 0. Look "
        "for a step that builds a far larger array or list than the task needs.",
    ),
    "classroom.kernel_died": (
        E,
        "Your notebook's Python stopped while it was graded (for example by "
        "os._exit or by ending its own process), so the cells after that point "
        "were not run and score 0. Remove the code that stops Python, then run "
        "the whole notebook to check it.",
    ),
    "classroom.disk_quota": (
        E,
        "Your notebook saved more than the {limit} of files it is given when "
        "graded, so it was stopped: this cell and the ones after it were not run "
        "and score 0. Save only the files the task asks for, and save each one "
        "once, not a new copy in a loop.",
    ),
    # -- class grading (outputsaving.classroom) ---------------------------------
    # classroom.audit_*: the audit of a graded notebook (outputsaving.classroom.audit).
    "classroom.audit_no_files": (
        E,
        "After your notebook ran, the grader found no file saved in its folder, "
        "and it cannot see files saved anywhere else (an absolute path, a "
        "temporary folder). Save your outputs in a folder next to the notebook, "
        "given as a relative path, and run the whole notebook again from the top.",
    ),
    "classroom.audit_files_outside": (
        E,
        "Your output folder {path} is outside your submission's folder, so the "
        "grader could not find the files your notebook saved and this test "
        "scores 0. Save your outputs in a folder next to the notebook, given as "
        "a relative path, and run the whole notebook again from the top.",
    ),
    "classroom.audit_unread": (
        E,
        "Your notebook saved so many files that the grader read only {read} of "
        "them (the files your tests judged first), not the other {unread}, and "
        "none of those it read passes this check. Save only the files the "
        "tasks ask for.",
    ),
    "classroom.audit_no_evidence": (
        E,
        "This test left nothing the grader could check again outside your "
        "notebook (it did not run to its end, or your function saved nothing "
        "there), so it scores 0. Run your notebook from the top and check "
        "this task's function.",
    ),
    "classroom.audit_closest": (
        N,
        "Of the files your notebook saved, {file} comes closest; the grader "
        "found this about it:",
    ),
    "classroom.audit_label_mask": (
        E,
        "After your notebook ran, none of the files it saved is a lossless TIFF "
        "label mask of the analysis' objects. Save the mask into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_table": (
        E,
        "After your notebook ran, none of the files it saved is a tab-delimited "
        "results table with one row per object. Save the table into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_rois": (
        E,
        "After your notebook ran, none of the files it saved is an ImageJ ROI "
        "set with one outline per object. Save the ROIs into your output folder "
        "and run the notebook again from the top.",
    ),
    "classroom.audit_settings": (
        E,
        "After your notebook ran, none of the files it saved is a settings file "
        "from which the analysis re-runs to the same labels. Save the settings "
        "into your output folder and run the notebook again from the top.",
    ),
    "classroom.audit_table_csv": (
        E,
        "After your notebook ran, none of the files it saved is a "
        "comma-separated results table with one row per object. Save the table "
        "into your output folder and run the notebook again from the top.",
    ),
    "classroom.audit_png16": (
        E,
        "After your notebook ran, none of the files it saved is a 16-bit PNG "
        "holding every label of the shapes. Save it into your output folder and "
        "run the notebook again from the top.",
    ),
    "classroom.audit_jpeg": (
        E,
        "After your notebook ran, none of the files it saved is a JPEG of the "
        "shapes' label image. Save it into your output folder and run the "
        "notebook again from the top.",
    ),
    "classroom.audit_colour_png": (
        E,
        "After your notebook ran, none of the files it saved is a colour PNG of "
        "the shapes' label image. Save it into your output folder and run the "
        "notebook again from the top.",
    ),
    "classroom.audit_nuclei_mask": (
        E,
        "After your notebook ran, none of the files it saved is a lossless mask "
        "keeping every nucleus with its own label. Save it into your output "
        "folder and run the notebook again from the top.",
    ),
    "classroom.audit_imagej_files": (
        E,
        "None of the files you handed in, in the folder output next to your "
        "notebook, is a right {what}. Upload the file your macro saved there and "
        "hand in again.",
    ),
    "classroom.audit_cell_missing": (
        E,
        "The answer cell for {name} is missing from your notebook, so your "
        "answer could not be graded. Copy your answer into the answer cell of a "
        "fresh copy of the notebook.",
    ),
    "classroom.audit_not_literal": (
        E,
        "Your answer cell for {name} holds {found}, but only answers typed in "
        "as plain values (text in quotes, True or False) are graded. Type the "
        "answer itself into the cell, with nothing else but comments.",
    ),
    "literals.not_literal": (
        E,
        "Your answer cell for {name} holds {found} (in the line {code}). Only "
        "answers typed in as plain values (text in quotes, True or False) are "
        "graded. Type the answer itself into the cell, as one line "
        "{name} = your answer; comments and lines that only show it may stay.",
    ),
    "literals.changed": (
        E,
        "Another cell changes {name} (in the line {code}). Only answers typed "
        "in as plain values (text in quotes, True or False) are graded, so "
        "only the value typed into the cell that sets {name} counts. Type the "
        "whole answer into its answer cell, as one line {name} = your answer.",
    ),
    "literals.not_set": (
        E,
        "{name} is not answered: no cell sets it. Type your answer into its "
        "answer cell, as one line {name} = your answer, and run the cell.",
    ),
    "classroom.audit_tampering": (
        E,
        "Your notebook reaches into the course's grading code ({detail}), so the "
        "tests the grader could not re-check on its own score 0. Remove that "
        "code; your instructor will review this submission.",
    ),
    "classroom.audit_builtins": (
        E,
        "Your notebook patches Python's built-ins ({detail}), which the tests "
        "use too, so the tests the grader could not re-check on its own score 0. "
        "Remove that code; your instructor will review this submission.",
    ),
    "classroom.audit_frames": (
        E,
        "Your notebook reads the grader's call frames ({detail}), where the tests "
        "keep what they expect, so the tests the grader could not re-check on its "
        "own score 0. Remove that code; your instructor will review this "
        "submission.",
    ),
    "classroom.audit_reads_frames": (
        E,
        "Your notebook reads the grader's call frames while a test runs ({detail}), "
        "where the test keeps what it expects, so the tasks it concerns score 0. "
        "Work out the answers from what your functions are given; your instructor "
        "will review this submission.",
    ),
    # classroom.audit_recheck*: the note under a test cell of the feedback whose
    # score the audit changed (outputsaving.classroom.engine).
    "classroom.audit_header": (
        N,
        "What the grader found when it checked your notebook again, outside it:",
    ),
    "classroom.audit_grading_use": (
        E,
        "Your notebook uses the course's grading code to find or check answers "
        "({detail}), which the course does not allow, so the tasks it concerns "
        "score 0. Work from the task's text and the self-checks; your instructor "
        "will review this submission.",
    ),
    "classroom.audit_course_saving": (
        E,
        "Your notebook saves its outputs with the course's own saving code "
        "({detail}) instead of code of your own, so those save tasks score 0. "
        "Write the saving code yourself, as the tasks ask.",
    ),
    "classroom.audit_recheck": (
        N,
        "Checked again by the grader outside your notebook: {reason}",
    ),
    "classroom.audit_recheck_passed": (
        N,
        "Checked again by the grader outside your notebook: the answer typed in "
        "your answer cell is right, so this test gets its points although it "
        "failed when your notebook ran.",
    ),
    "classroom.audit_recheck_failed": (
        N,
        "Checked again by the grader outside your notebook: this test does not "
        "hold, so it scores 0 whatever the output above shows. Run the whole "
        "notebook again from the top and check this task.",
    ),
    # classroom.mistake_*: names of mistakes in the instructor's summary figure
    # (outputsaving.classroom.report.mistake_label), for failures that carry no
    # finding code of their own.
    "classroom.mistake_unanswered": (
        N,
        "Task not done yet: its placeholder (None, or pass) is still there",
    ),
    "classroom.mistake_earlier_cell": (
        N,
        "A test found a name undefined: an earlier cell failed",
    ),
    "classroom.mistake_audit": (
        N,
        "Passed in the notebook but failed the grader's audit (flagged for review)",
    ),
    "classroom.mistake_test_failed": (
        N,
        "A test of {task} failed with a message the grader does not know",
    ),
    "classroom.mistake_refused": (
        N,
        "Submission refused before grading",
    ),
    "classroom.mistake_other": (N, "Another problem, with no name of its own"),
    "classroom.mistake_activity_task": (N, "activity {activity}, task {task}"),
    "classroom.mistake_imagej_task": (N, "activity {activity} in ImageJ, task {task}"),
    "classroom.mistake_quiz_question": (N, "quiz question {question}"),
    # Repairs of nbgrader's cell metadata before grading (classroom.repair).
    "classroom.repair_header": (
        N,
        "Before grading, the grader repaired your notebook's cells; nothing you "
        "wrote was changed:",
    ),
    "classroom.repair_duplicate_answer": (
        N,
        "Cell {grade_id} appears {times} in your notebook. Every copy ran, in your "
        "order, and the last one was graded, as in your own Run All.",
    ),
    "classroom.repair_test_duplicate": (
        N,
        "Test cell {grade_id} appears {times} in your notebook; it was graded "
        "once, as released.",
    ),
    "classroom.repair_test_missing": (
        N,
        "Test cell {grade_id} was missing from your notebook; it was put back as "
        "released and graded.",
    ),
    "classroom.repair_test_retyped": (
        N,
        "Test cell {grade_id} had been turned into a text cell; it was put back "
        "as code, as released.",
    ),
    "classroom.repair_test_settings": (
        N,
        "The grading settings of test cell {grade_id} (its points, or whether it "
        "is graded) had been changed; it was graded as released.",
    ),
    "classroom.repair_test_moved": (
        N,
        "Test cell {grade_id} had been moved; it was graded in its released "
        "place, after the task it tests.",
    ),
    "classroom.repair_unknown_id": (
        N,
        "A cell of your notebook carries the grading id {grade_id}, which this "
        "assignment does not have; it ran as one of your own cells.",
    ),
    "classroom.repair_damaged_metadata": (
        N,
        "The grading information of a cell of your notebook was damaged; the "
        "cell ran as one of your own.",
    ),
    "classroom.repair_kernel": (
        N,
        "Your notebook asked for the kernel {name}; it was graded with the "
        "course's Python kernel.",
    ),
    "classroom.notebook_unreadable": (
        E,
        "Your notebook {name} could not be read as a Jupyter notebook ({error}). "
        "Open it in JupyterLab, save it again and hand it in again.",
    ),
    "classroom.refused_feedback": (
        E,
        "Your submission was not graded, so every test scores 0, for the reasons "
        "below. Fix them and hand in your assignment again.",
    ),
    "classroom.failed_feedback": (
        N,
        "Your submission has not been graded yet because of a problem on the "
        "grader's side, not in your notebook. It will be graded again; you do "
        "not need to do anything.",
    ),
    "classroom.link": (
        E,
        "Your submission contains {path}, a link to {target}, instead of a "
        "regular file. Put the file itself in your assignment folder and submit "
        "again.",
    ),
    "classroom.link_to_course": (
        E,
        "Your submission contains {path}, a link to the course's own files "
        "({target}), instead of a file of your own. Submit your own notebook as a "
        "regular file.",
    ),
    "classroom.hard_link": (
        E,
        "Your submission contains {path}, which shares its content with another "
        "file on the server (a hard link) instead of being a file of its own. "
        "Submit a regular copy of the file instead.",
    ),
    "classroom.special_file": (
        E,
        "Your submission contains {path}, which is {kind}, not a regular file. "
        "Remove it from your assignment folder and submit again.",
    ),
    "classroom.file_too_large": (
        E,
        "Your file {path} is {size}, more than the {limit} allowed for one file. "
        "Clear the notebook's large outputs or remove the file, then submit again.",
    ),
    "classroom.too_large_total": (
        E,
        "Your submission holds more than {limit} of files in total. Remove the "
        "files the assignment does not ask for, then submit again.",
    ),
    "classroom.too_many_files": (
        E,
        "Your submission holds more than {limit} files and folders. Remove the "
        "files the assignment does not ask for, then submit again.",
    ),
    "classroom.too_deep": (
        E,
        "Your submission has folders nested more than {limit} levels deep. Keep "
        "your files in the assignment folder and submit again.",
    ),
    "classroom.notebook_missing": (
        E,
        "Your submission has no notebook named {expected}. Submit the notebook "
        "you worked in, with the name it had when you downloaded it.",
    ),
    # Which notebook was graded, when the names are not the released ones
    # (classroom.intake); notes at the top of the graded notebook's feedback.
    "classroom.notebooks_header": (N, "Which notebook was graded:"),
    "classroom.notebook_graded_as": (
        N,
        "Your submission has no {expected}, so {found}, which holds that "
        "notebook's cells, was graded in its place. Next time, hand in the "
        "notebook under the name it was released with.",
    ),
    "classroom.notebooks_ignored": (
        N,
        "Your submission also holds {found}, which {count:was/were} not graded: "
        "only {expected} was. Put all your answers in {expected}.",
    ),
    "classroom.notebook_ambiguous": (
        E,
        "Your submission has no {expected}, and {found} all hold that notebook's "
        "cells, so the grader cannot tell which one to grade. Keep only the one "
        "with your answers, named {expected}, and submit again.",
    ),
    "classroom.notebook_not_a_file": (
        E,
        "Your submission has a folder named {expected} where the notebook file "
        "was expected. Put the notebook file itself there and submit again.",
    ),
    "classroom.notebook_not_json": (
        E,
        "Your notebook {name} is not a readable notebook file: its text is not "
        "valid JSON ({error}). Open it in Jupyter to check it, or download the "
        "assignment again and redo your edits there.",
    ),
    "classroom.notebook_invalid": (
        E,
        "Your notebook {name} is not a valid Jupyter notebook ({error}). Open it "
        "in Jupyter, save it again and submit it.",
    ),
    "classroom.timestamp_unreadable": (
        E,
        "The time stamp of your submission ({found}) could not be read. Submit "
        "again so that a new time stamp is recorded.",
    ),
    "classroom.zip_unreadable": (
        E,
        "Your upload {zip} could not be unpacked ({error}). Upload it again as a "
        "plain zip file without a password, or upload the notebook itself.",
    ),
    "classroom.zip_unsafe_name": (
        E,
        "Your upload {zip} contains {member}, a path that points outside the zip "
        "file's own folder, so it was not unpacked. Upload the notebook itself, "
        "or a zip of your assignment folder only.",
    ),
    "classroom.zip_link": (
        E,
        "Your upload {zip} contains {member}, which is a link or a special file, "
        "so it was not unpacked. Upload the notebook itself, not a link to it.",
    ),
    "classroom.zip_too_large": (
        E,
        "Your upload {zip} would unpack {member} to {size}, more than the {limit} "
        "allowed, so it was not unpacked. Clear the notebook's large outputs and "
        "upload it again.",
    ),
    "classroom.zip_too_many": (
        E,
        "Your upload {zip} holds more than {limit} files, so it was not unpacked. "
        "Upload only the notebook the assignment asks for.",
    ),
    "classroom.zip_bomb": (
        E,
        "Your upload {zip} would unpack {member} to {ratio} times its packed size, "
        "so it was not unpacked. Upload the notebook itself instead.",
    ),
    # -- class grading: where it runs (outputsaving.classroom.platform) ------
    # For the instructor, on the command line.
    "classroom.unsupported_platform": (
        E,
        "grading a class runs learners' notebooks on Linux only (it needs Linux's "
        "namespaces and process limits), and this is {platform}. Grade in WSL 2 on "
        "Windows or in a Linux container or virtual machine on macOS (README: "
        "'Grading on macOS and Windows'); notebooks, self-checks and 'outputsaving "
        "check' work here as they are.",
    ),
    # -- class grading: why a run stopped (outputsaving grade) ---------------
    # For the instructor, on the command line.
    "classroom.run_locked": (
        E,
        "another run is grading this course: the lock {lock} is held by "
        "{holder}. Wait for that run to finish (or stop it), then run the same "
        "command again; this run graded and wrote nothing.",
    ),
    "classroom.gradebook_damaged": (
        E,
        "the gradebook {gradebook} cannot be read ({error}): it is damaged, or it "
        "is not an nbgrader gradebook. It was left untouched and nothing was "
        "graded. Restore it from a backup and grade again, or grade into a new "
        "gradebook with --db sqlite:///<new file>: every submission is then "
        "graded again into it.",
    ),
    "classroom.gradebook_unreachable": (
        E,
        "the gradebook {gradebook} cannot be opened ({error}), so nothing was "
        "graded. Check the URL given with --db (or the course's "
        "CourseDirectory.db_url): that its folder exists or, for a database "
        "server, that the server runs and lets you in.",
    ),
    "classroom.disk_full": (
        E,
        "the grader's disk is full ({error}), so grading stopped. Nothing graded "
        "was lost: the grades committed so far are kept in the gradebook, and the "
        "submissions not finished are graded again by the next run. Free some "
        "space, then run the same command again.",
    ),
    "classroom.disk_full_run": (
        E,
        "the grader's disk was full while the notebook ran, so a cell failed "
        "through no fault of the learner ({error}): not graded, nothing recorded; "
        "the next run grades it again. Free some space first.",
    ),
    "classroom.zip_refused": (
        E,
        "the zip {zip} was refused, so nothing of it was imported and nothing "
        "was graded: {error}",
    ),
    "classroom.zip_empty": (
        E,
        "the zip {zip} holds no submission of {assignment} ({count} "
        "{count:entry/entries}, none named as a student's notebook), so nothing "
        "was graded. Check that it is the LMS download of {assignment}; {table} "
        "lists what became of each entry.",
    ),
    "classroom.zip_moodle_unmapped": (
        E,
        "the zip {zip} holds {count} {count:entry/entries} named by Moodle "
        "(full name and a participant id of this assignment only) and none of "
        "them maps to a student, so nothing was graded. Pass the grading "
        "worksheet of {assignment} with --moodle-worksheet FILE; {table} lists "
        "what became of each entry.",
    ),
    "classroom.unexpected_error": (
        E,
        "grading stopped on an error the grader did not expect ({error}). The "
        "grades committed so far are kept and the next run grades the rest; run "
        "the same command with --debug to see the traceback, and report it.",
    ),
    "classroom.feedback_not_released": (
        N,
        "{student}/{assignment}: feedback not released through the exchange: its "
        "folder has no {missing} (the submission did not come through nbgrader "
        "submit, from an LMS zip or copied in by hand). Give it through the LMS: "
        "{zip}.",
    ),
    "classroom.feedback_released": (
        N,
        "feedback of {assignment} released for {count} {count:learner/learners} "
        "({students}); each gets it with: nbgrader fetch_feedback {assignment}",
    ),
    "classroom.feedback_release_failed": (
        E,
        "nbgrader release_feedback {assignment} failed ({error}), so no feedback "
        "was released; run it yourself in the course folder to see its log.",
    ),
    "classroom.feedback_none": (
        E,
        "there is no feedback of {assignment} to release in {folder}: run "
        "outputsaving grade first.",
    ),
    # For the learner, in the feedback.
    "classroom.output_cut": (
        N,
        "This cell printed more than the {limit} of output kept per cell when "
        "graded, so its output was cut after {limit}. Print less, for example a "
        "summary instead of every value.",
    ),
}
